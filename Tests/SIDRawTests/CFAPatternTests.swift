@testable import SIDRaw
import XCTest

final class CFAPatternTests: XCTestCase {
    func testRedOriginIsWhereRedSits() {
        for pattern in CFAPattern.allCases {
            let origin = pattern.redOrigin
            XCTAssertEqual(pattern.colour(row: origin.row, col: origin.col), .red, pattern.rawValue)
            XCTAssertEqual(pattern.colour(row: origin.row + 1, col: origin.col + 1), .blue, pattern.rawValue)
        }
        XCTAssertTrue(CFAPattern.gbrg.redOrigin == (1, 0))
        XCTAssertTrue(CFAPattern.grbg.redOrigin == (0, 1))
    }

    func testRecognisesCellsFromColours() {
        XCTAssertEqual(CFAPattern(cell: [.blue, .green, .green, .red]), .bggr)
        XCTAssertEqual(CFAPattern(rawValue: "GRBG"), .grbg)
        XCTAssertNil(CFAPattern(cell: [.red, .red, .green, .blue]))
    }
}
