@testable import SIDService
import XCTest

final class RequestIDTests: XCTestCase {
    func testKeepsAClientIDThatIsSafeToLog() {
        XCTAssertEqual(RequestID.resolve("abc-123_XYZ"), "abc-123_XYZ")
    }

    func testReplacesMissingOrUnsafeIDs() {
        for header in [nil, "", "has space", "new\nline", String(repeating: "a", count: 129), "é"] as [String?] {
            let id = RequestID.resolve(header)
            XCTAssertNotEqual(id, header)
            XCTAssertEqual(id.count, 16)
            XCTAssertTrue(id.allSatisfy(\.isHexDigit), id)
        }
        XCTAssertNotEqual(RequestID.generate(), RequestID.generate())
    }
}
