@testable import SIDService
import SIDEngine
import SIDRaw
import XCTest

final class EnhanceParametersTests: XCTestCase {
    let models = ["sid-sony", "baseline"]

    func testDefaultsAreAutoRatioEightBitsDefaultModel() throws {
        let options = try EnhanceParameters().options(accept: nil)
        XCTAssertEqual(options.ratio, .auto)
        XCTAssertEqual(options.bits, 8)
        XCTAssertNil(options.model)
        XCTAssertEqual(options.format, .png)
        XCTAssertEqual(options.geometry, .upright)
        XCTAssertEqual(options.metadata, .keep)
    }

    func testOrientationAndMetadataReachTheEngineOptions() throws {
        var parameters = EnhanceParameters()
        try parameters.set(QueryParameters(target: "/v1/enhance?orientation=sensor&metadata=strip"), models: models)
        XCTAssertEqual(try parameters.options(accept: nil).geometry, .sensor)
        XCTAssertEqual(try parameters.options(accept: nil).metadata, .strip)
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
        XCTAssertEqual(try parameters.options(accept: nil).ratio, .fixed(250))
        XCTAssertEqual(try parameters.options(accept: nil).bits, 16)
        XCTAssertEqual(try parameters.options(accept: nil).model, "baseline")
    }

    func testRefusesWhatTheEngineCannotUse() {
        for (name, value, expected) in [("ratio", "0", "invalid exposure ratio"), ("ratio", "nan", "invalid exposure ratio"),
                                        ("ratio", "1001", "invalid exposure ratio"), ("ratio", "inf", "invalid exposure ratio"),
                                        ("bits", "12", "bits must be 8 or 16"), ("model", "sid-fuji", "unknown model"),
                                        ("format", "webp", "format must be png, jpeg, tiff"),
                                        ("quality", "0", "quality must be a whole number from 1 to 100"),
                                        ("quality", "high", "quality must be a whole number from 1 to 100")] {
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

    /// Issue 15: a proxy that adds its own token must not break the request. Unknown names are ignored and kept,
    /// printable and bounded, for X-SID-Ignored-Parameters (before, "ration" got 400 "unknown parameter").
    func testUnknownParametersAreIgnoredAndListed() throws {
        var parameters = EnhanceParameters()
        try parameters.set(QueryParameters(target: "/v1/enhance?ratio=100&token=abc&ration=3&token=x&bad%0Aname=1"),
                           models: models)
        XCTAssertEqual(parameters.ignored, ["token", "ration", "badname"])
        XCTAssertEqual(try parameters.options(accept: nil).ratio, .fixed(100))
    }

    func testFormatDecidesTheBitsAndWhetherQualityApplies() throws {
        var tiff = EnhanceParameters()
        try tiff.set("format", to: "tiff", models: models)
        XCTAssertEqual(try tiff.options(accept: nil).format, .tiff)
        XCTAssertEqual(try tiff.options(accept: nil).bits, 16, "TIFF is 16-bit unless asked otherwise")
        XCTAssertEqual(try EnhanceParameters().options(accept: "image/jpeg").format, .jpeg)

        var jpeg = EnhanceParameters()
        try jpeg.set("quality", to: "75", models: models)
        XCTAssertEqual(try jpeg.options(accept: "image/jpeg").quality, 75)
        XCTAssertThrowsError(try jpeg.options(accept: nil)) { error in
            XCTAssertEqual(error as? ServiceError, .badRequest("quality applies to JPEG output only; this request asks for PNG"))
        }
        try jpeg.set("bits", to: "16", models: models)
        XCTAssertThrowsError(try jpeg.options(accept: "image/jpeg")) { error in
            guard case let .badRequest(text)? = error as? ServiceError else { return XCTFail("\(error)") }
            XCTAssertTrue(text.contains("JPEG holds 8 bits per sample, not 16"), text)
        }
    }
}
