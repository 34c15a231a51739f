@testable import SIDService
import XCTest

final class RouteTests: XCTestCase {
    func testMatchesPathsIgnoringTheQuery() {
        XCTAssertEqual(Route(target: "/v1/enhance?ratio=3"), .enhance)
        XCTAssertEqual(Route(target: "/"), .home)
        XCTAssertNil(Route(target: "/v1/enhance/"))
        XCTAssertNil(Route(target: "/HEALTHZ"))
    }

    func testMethods() {
        XCTAssertEqual(Route.enhance.allowedMethods, [.post])
        XCTAssertEqual(Route.metrics.allowedMethods, [.get, .head])
    }

    func testMetricLabelsAreBounded() {
        XCTAssertEqual(Route.metricLabel(target: "/readyz"), "/readyz")
        XCTAssertEqual(Route.metricLabel(target: "/wp-admin/\(UUID())"), "unmatched")
        XCTAssertEqual(Route.metricLabel(target: nil), "unparsed")
    }
}
