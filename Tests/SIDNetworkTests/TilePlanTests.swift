import SIDNetwork
import XCTest

final class TilePlanTests: XCTestCase {
    func testSmallImageIsOneTile() {
        let plan = TilePlan(height: 300, width: 500, maxTile: 768)
        XCTAssertEqual(plan.tiles.count, 1)
        XCTAssertEqual(plan.tiles[0].rows.tile, 0..<300)
        XCTAssertEqual(plan.tiles[0].columns.core, 0..<500)
    }

    func testFullFrameTilesAreAlignedCoverAndStayWithinTheLimit() {
        let plan = TilePlan(height: 1424, width: 2128, maxTile: 768)
        for spans in [plan.rows, plan.columns] {
            let length = spans.last!.core.upperBound
            var next = 0
            for span in spans {
                XCTAssertEqual(span.core.lowerBound, next, "cores partition the axis")
                next = span.core.upperBound
                XCTAssertEqual(span.tile.lowerBound % 16, 0, "tiles start on the pooling grid")
                XCTAssertTrue(span.tile.upperBound % 16 == 0 || span.tile.upperBound == length)
                XCTAssertLessThanOrEqual(span.tile.count, 768)
                XCTAssertGreaterThanOrEqual(span.core.lowerBound - span.tile.lowerBound,
                                            min(span.core.lowerBound, UNetArchitecture.tileMargin))
                XCTAssertGreaterThanOrEqual(span.tile.upperBound - span.core.upperBound,
                                            min(length - span.core.upperBound, UNetArchitecture.tileMargin))
            }
        }
        XCTAssertEqual(plan.rows.last!.core.upperBound, 1424)
        XCTAssertEqual(plan.columns.last!.core.upperBound, 2128)
    }
}
