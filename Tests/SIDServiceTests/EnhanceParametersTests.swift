@testable import SIDService
import SIDEngine
import SIDRaw
import XCTest

final class EnhanceParametersTests: XCTestCase {
    let models = ["sid-sony", "baseline"]

    func testDefaultsAreAutoRatioEightBitsDefaultModel() {
        let options = EnhanceParameters().options
        XCTAssertEqual(options.ratio, .auto)
        XCTAssertEqual(options.bits, 8)
        XCTAssertNil(options.model)
        XCTAssertEqual(options.geometry, .upright)
        XCTAssertEqual(options.metadata, .keep)
    }

    func testOrientationAndMetadataReachTheEngineOptions() throws {
        var parameters = EnhanceParameters()
        try parameters.set(QueryParameters(target: "/v1/enhance?orientation=sensor&metadata=strip"), models: models)
        XCTAssertEqual(parameters.options.geometry, .sensor)
        XCTAssertEqual(parameters.options.metadata, .strip)
        for (name, value) in [("orientation", "sideways"), ("metadata", "none")] {
            var bad = EnhanceParameters()
            XCTAssertThrowsError(try bad.set(name, to: value, models: models)) { error in
                guard case let .badRequest(text)? = error as? ServiceError else { return XCTFail("\(error)") }
                XCTAssertTrue(text.hasPrefix("\(name) must be"), text)
            }
        }
    }

    func testAcceptsValidValues() throws {
        var parameters = EnhanceParameters()
        try parameters.set("ratio", to: "250", models: models)
        try parameters.set("bits", to: "16", models: models)
        try parameters.set("model", to: "baseline", models: models)
        XCTAssertEqual(parameters.options.ratio, .fixed(250))
        XCTAssertEqual(parameters.options.bits, 16)
        XCTAssertEqual(parameters.options.model, "baseline")
    }

    func testRefusesWhatTheEngineCannotUse() {
        for (name, value, expected) in [("ratio", "0", "invalid exposure ratio"), ("ratio", "nan", "invalid exposure ratio"),
                                        ("ratio", "1001", "invalid exposure ratio"), ("ratio", "inf", "invalid exposure ratio"),
                                        ("bits", "12", "bits must be 8 or 16"), ("model", "sid-fuji", "unknown model"),
                                        ("ration", "100", "unknown parameter")] {
            var parameters = EnhanceParameters()
            XCTAssertThrowsError(try parameters.set(name, to: value, models: models), "\(name)=\(value)") { error in
                guard case let .badRequest(text)? = error as? ServiceError else { return XCTFail("\(error)") }
                XCTAssertTrue(text.contains(expected), text)
            }
        }
    }

    func testAParameterGivenTwiceIsRefused() throws {
        var parameters = EnhanceParameters()
        try parameters.set(QueryParameters(target: "/v1/enhance?ratio=100"), models: models)
        XCTAssertThrowsError(try parameters.set("ratio", to: "200", models: models)) { error in
            XCTAssertEqual(error as? ServiceError, .badRequest("the parameter ratio is given more than once"))
        }
    }
}
