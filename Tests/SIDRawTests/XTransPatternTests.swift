@testable import SIDRaw
import SIDTestSupport
import XCTest

final class XTransPatternTests: XCTestCase {
    /// The X-T2 phase, written out from where the SID authors' Fuji `pack_raw` reads red (channels 0 and 3) and
    /// blue (channels 2 and 4); everything else is green.
    private let xT2Rows = ["RBGBRG", "GGRGGB", "GGBGGR", "BRGRBG", "GGBGGR", "GGRGGB"]

    func testTheSIDFujiPatternIsTheX2PhaseOfXTrans() {
        let pattern = XTransPattern.sidFuji
        XCTAssertEqual(pattern.rows, xT2Rows)
        XCTAssertTrue(pattern.modelOrigin == (0, 0))
        XCTAssertEqual(pattern.description, xT2Rows.joined(separator: "/"))
        let letters = xT2Rows.joined()
        XCTAssertEqual(letters.filter { $0 == "G" }.count, 20)
        XCTAssertEqual(letters.filter { $0 == "R" }.count, 8)
        XCTAssertEqual(letters.filter { $0 == "B" }.count, 8)
        // X-Trans puts every colour in every row and column.
        for index in 0 ..< 6 {
            XCTAssertEqual(Set(xT2Rows[index]), ["R", "G", "B"])
            XCTAssertEqual(Set(xT2Rows.map { Array($0)[index] }), ["R", "G", "B"])
        }
    }

    func testEveryPhaseIsRecognisedAndPointsBackToTheX2Phase() throws {
        for rowShift in 0 ..< 6 {
            for colShift in 0 ..< 6 {
                let shiftedRows = (0 ..< 6).map { row in
                    String((0 ..< 6).map { col in Array(xT2Rows[(row + rowShift) % 6])[(col + colShift) % 6] })
                }
                let pattern = try XCTUnwrap(XTransPattern(rows: shiftedRows), "shift (\(rowShift), \(colShift))")
                XCTAssertEqual(pattern.rows, shiftedRows)
                XCTAssertEqual(pattern, XTransPattern.sidFuji.shifted(rows: rowShift, columns: colShift))
                let origin = pattern.modelOrigin
                for row in 0 ..< 6 {
                    for col in 0 ..< 6 {
                        XCTAssertEqual(Array(shiftedRows[(origin.row + row) % 6])[(origin.col + col) % 6],
                                       Array(xT2Rows[row])[col], "shift (\(rowShift), \(colShift)) at (\(row), \(col))")
                    }
                }
                // The layout repeats under (3, 3): of the two matching origins the one with the smaller row is used.
                let direct = ((6 - rowShift) % 6, (6 - colShift) % 6)
                let alternative = ((direct.0 + 3) % 6, (direct.1 + 3) % 6)
                XCTAssertTrue(origin == (direct.0 < 3 ? direct : alternative), "shift (\(rowShift), \(colShift))")
            }
        }
    }

    func testTheTestFixturePatternIsAShiftedX2Phase() throws {
        let letters: [Character] = ["R", "G", "B"]
        let rows = (0 ..< 6).map { row in String((0 ..< 6).map { letters[Int(Fixtures.xTransPattern[row * 6 + $0])] }) }
        let pattern = try XCTUnwrap(XTransPattern(rows: rows))
        // Started one row down, the X-T2 phase is at (5, 0), and at (2, 3) by the (3, 3) symmetry.
        XCTAssertEqual(pattern, XTransPattern.sidFuji.shifted(rows: 1, columns: 0))
        XCTAssertTrue(pattern.modelOrigin == (2, 3), "\(pattern.modelOrigin)")
    }

    func testOtherPatternsAreNotXTrans() {
        XCTAssertNil(XTransPattern(rows: Array(repeating: "RGRGRG", count: 3) + Array(repeating: "GBGBGB", count: 3)))
        XCTAssertNil(XTransPattern(rows: Array(xT2Rows.prefix(5))))
        XCTAssertNil(XTransPattern(rows: xT2Rows.map { String($0.prefix(5)) }))
        XCTAssertNil(XTransPattern(rows: ["rbgbrg"] + xT2Rows.dropFirst()))
        XCTAssertNil(XTransPattern(rows: ["RBGBRC"] + xT2Rows.dropFirst()))
        // Exchanging two photosites keeps the colour counts but no phase of X-Trans matches.
        let exchanged = ["BRGBRG"] + xT2Rows.dropFirst()
        XCTAssertNil(XTransPattern(rows: exchanged))
    }
}
