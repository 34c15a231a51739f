import HTTPTypes
@testable import SIDService
import XCTest

final class CORSPolicyTests: XCTestCase {
    private let policy = CORSPolicy(allowedOrigins: ["https://photos.example.com"])

    func testWithoutAnAllowlistNothingIsSent() {
        XCTAssertTrue(CORSPolicy.none.responseFields(origin: "https://photos.example.com").isEmpty)
        XCTAssertNil(CORSPolicy.none.preflightFields(origin: "https://photos.example.com", requestedMethod: "POST",
                                                     routeMethods: [.post]))
    }

    func testAnAllowedOriginIsNamedAndTheSIDHeadersExposed() {
        let fields = policy.responseFields(origin: "https://photos.example.com")
        XCTAssertEqual(fields[.accessControlAllowOrigin], "https://photos.example.com")
        XCTAssertEqual(fields[.vary], "Origin")
        XCTAssertTrue(fields[.accessControlExposeHeaders]?.contains("X-SID-Ratio") == true)
        let other = policy.responseFields(origin: "https://evil.example")
        XCTAssertNil(other[.accessControlAllowOrigin])
        XCTAssertEqual(other[.vary], "Origin", "caches must not serve one origin's answer to another")
    }

    func testPreflightGrantsOnlyTheRoutesMethodsToAllowedOrigins() {
        let fields = policy.preflightFields(origin: "https://photos.example.com", requestedMethod: "POST", routeMethods: [.post])
        XCTAssertEqual(fields?[.accessControlAllowOrigin], "https://photos.example.com")
        XCTAssertEqual(fields?[.accessControlAllowMethods], "POST")
        XCTAssertTrue(fields?[.accessControlAllowHeaders]?.contains("Authorization") == true)
        XCTAssertEqual(fields?[.accessControlMaxAge], "600")
        XCTAssertNil(policy.preflightFields(origin: "https://photos.example.com", requestedMethod: "DELETE", routeMethods: [.post]))
        XCTAssertNil(policy.preflightFields(origin: "https://evil.example", requestedMethod: "POST", routeMethods: [.post]))
        XCTAssertNotNil(CORSPolicy(allowedOrigins: ["*"]).preflightFields(origin: "https://any.example",
                                                                          requestedMethod: "POST", routeMethods: [.post]))
    }
}
