import SIDModel
import SIDNetwork
import XCTest

final class BandPlanTests: XCTestCase {
    func testANarrowImageIsOneBand() {
        let plan = BandPlan(width: 500, maxWidth: 768)
        XCTAssertEqual(plan.bands.count, 1)
        XCTAssertEqual(plan.bands[0].columns, 0..<500)
        XCTAssertEqual(plan.bands[0].core, 0..<500)
    }

    func testBandsAreAlignedCoverTheImageAndStayWithinTheLimit() {
        for (width, maxWidth) in [(1424, 768), (2128, 768), (5000, 4096)] {
            let bands = BandPlan(width: width, maxWidth: maxWidth).bands
            XCTAssertGreaterThan(bands.count, 1)
            var next = 0
            for span in bands {
                XCTAssertEqual(span.core.lowerBound, next, "cores partition the width")
                next = span.core.upperBound
                XCTAssertEqual(span.columns.lowerBound % 16, 0, "bands start on the pooling grid")
                XCTAssertTrue(span.columns.upperBound % 16 == 0 || span.columns.upperBound == width)
                XCTAssertLessThanOrEqual(span.columns.count, maxWidth)
                XCTAssertGreaterThanOrEqual(span.core.lowerBound - span.columns.lowerBound,
                                            min(span.core.lowerBound, SIDArchitecture.tileMargin))
                XCTAssertGreaterThanOrEqual(span.columns.upperBound - span.core.upperBound,
                                            min(width - span.core.upperBound, SIDArchitecture.tileMargin))
            }
            XCTAssertEqual(next, width)
        }
    }
}
