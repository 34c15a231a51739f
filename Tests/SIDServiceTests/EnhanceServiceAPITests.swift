import Foundation
import SIDImage
import SIDService
import SIDTestSupport
import XCTest

/// Issue 15 over real sockets with the real curl: output formats, the limits and OpenAPI documents, CORS, and the
/// contract fixes (unknown parameters, one file part).
final class EnhanceServiceAPITests: XCTestCase {
    private static var shared: ServiceHarness?
    private var harness: ServiceHarness { Self.shared! }
    private var url: String { harness.baseURL }
    private static let origin = "https://photos.example.com"

    override func setUpWithError() throws {
        if Self.shared == nil {
            Self.shared = try ServiceHarness { configuration in
                configuration.corsOrigins = [Self.origin]
                configuration.queueCapacity = 3
                configuration.maxBodyMegabytes = 50
            }
        }
    }

    override class func tearDown() {
        shared = nil
        super.tearDown()
    }

    private func enhance(_ query: String = "ratio=100", _ extra: String...) throws -> Curl.Result {
        try Curl.run(["--data-binary", "@\(SampleRaws.small)", "-H", "Content-Type: application/octet-stream"] + extra
                     + ["\(url)/v1/enhance?\(query)"])
    }

    private func assertProblem(_ result: Curl.Result, _ status: Int, containing text: String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(result.status, status, result.bodyText, file: file, line: line)
        XCTAssertEqual(result.header("Content-Type"), "application/problem+json", file: file, line: line)
        let detail = try result.json()["detail"] as? String ?? ""
        XCTAssertTrue(detail.localizedCaseInsensitiveContains(text), "detail: \(detail)", file: file, line: line)
    }

    // MARK: - Formats

    func testAcceptImageJPEGGetsAJPEGPillowDecodes() throws {
        let result = try enhance("ratio=100&quality=80", "-H", "Accept: image/jpeg")
        XCTAssertEqual(result.status, 200, result.bodyText)
        XCTAssertEqual(result.header("Content-Type"), "image/jpeg")
        XCTAssertEqual(result.header("Vary"), "Accept, Origin", "with an allowlist, the answer depends on Origin too")
        let report = try PillowProbe.probe([UInt8](result.body))
        XCTAssertEqual(report.format, "JPEG")
        XCTAssertEqual(report.bits, [8, 8, 8])
        XCTAssertEqual(report.subsampling, 2, "quality 80 subsamples chroma")
        let png = try enhance()
        let decoded = try PNGDecoder().decode([UInt8](png.body))
        XCTAssertEqual([report.width, report.height], [decoded.width, decoded.height])
    }

    func testFormatTIFFIsSixteenBitByDefault() throws {
        let result = try enhance("ratio=100&format=tiff", "-H", "Accept: image/png")
        XCTAssertEqual(result.status, 200, result.bodyText)
        XCTAssertEqual(result.header("Content-Type"), "image/tiff", "format= wins over Accept")
        let report = try PillowProbe.probe([UInt8](result.body))
        XCTAssertEqual(report.format, "TIFF")
        XCTAssertEqual(report.bits, [16, 16, 16])
        XCTAssertEqual(report.tags["305"], "sid (model sid-sony, ratio 100)")
        XCTAssertEqual(report.tags["274"], "1", "upright")
        let eight = try enhance("ratio=100&format=tif&bits=8")
        XCTAssertEqual(try PillowProbe.probe([UInt8](eight.body)).bits, [8, 8, 8])
    }

    /// JPEG and TIFF carry the camera's metadata as PNG does (its eXIf): EXIF in JPEG's APP1, Make and Model as TIFF
    /// tags; metadata=strip leaves them out.
    func testJPEGAndTIFFCarryTheCameraMetadataUnlessStripped() throws {
        let jpeg = try PillowProbe.probe([UInt8](try enhance("ratio=100&format=jpeg").body))
        let tiff = try PillowProbe.probe([UInt8](try enhance("ratio=100&format=tiff").body))
        XCTAssertGreaterThan(jpeg.exifBytes, 0)
        XCTAssertEqual(jpeg.tags["274"], "1", "upright")
        XCTAssertEqual(jpeg.tags["305"], "sid (model sid-sony, ratio 100)")
        XCTAssertNotNil(jpeg.tags["271"])
        XCTAssertEqual(tiff.tags["271"], jpeg.tags["271"])
        XCTAssertEqual(tiff.tags["272"], jpeg.tags["272"])
        let strippedJPEG = try PillowProbe.probe([UInt8](try enhance("ratio=100&format=jpeg&metadata=strip").body))
        let strippedTIFF = try PillowProbe.probe([UInt8](try enhance("ratio=100&format=tiff&metadata=strip").body))
        XCTAssertEqual(strippedJPEG.exifBytes, 0)
        XCTAssertNil(strippedTIFF.tags["271"])
        XCTAssertNil(strippedTIFF.tags["272"])
    }

    func testFormatsItCannotProduceAreRefusedBeforeTheUpload() throws {
        try assertProblem(try enhance("ratio=100", "-H", "Accept: application/json"), 406,
                          containing: "answers with image/png, image/jpeg, image/tiff")
        try assertProblem(try enhance("format=webp"), 400, containing: "format must be png, jpeg, tiff")
        try assertProblem(try enhance("format=jpeg&bits=16"), 400, containing: "JPEG holds 8 bits per sample")
        try assertProblem(try enhance("quality=80"), 400, containing: "quality applies to JPEG output only")
        let refused = harness.log.requests.first { $0["status"] == "406" }
        XCTAssertLessThan(Int("\(refused?["bytes_in"] ?? "")") ?? .max, SampleRaws.data(SampleRaws.small).count,
                          "406 comes from the head: the raw was never read")
    }

    // MARK: - Discovery

    func testLimitsDescribeTheConfiguration() throws {
        let result = try Curl.run(["\(url)/v1/limits"])
        XCTAssertEqual(result.status, 200, result.bodyText)
        XCTAssertEqual(result.header("Content-Type"), "application/json")
        let limits = try result.json()
        XCTAssertEqual(limits["maxBodyBytes"] as? Int, 50 << 20)
        XCTAssertEqual(limits["queueCapacity"] as? Int, 3)
        XCTAssertEqual(limits["maxMegapixels"] as? Int, ServiceConfiguration().maxMegapixels)
        XCTAssertEqual((limits["ratio"] as? [String: Any])?["maximum"] as? Double, 1000)
        let formats = limits["formats"] as? [[String: Any]] ?? []
        XCTAssertEqual(formats.map { $0["mediaType"] as? String }, ["image/png", "image/jpeg", "image/tiff"])
        XCTAssertEqual(formats.map { $0["defaultBits"] as? Int }, [8, 8, 16])
    }

    func testTheOpenAPIDocumentIsServed() throws {
        let result = try Curl.run(["\(url)/openapi.json"])
        XCTAssertEqual(result.status, 200)
        XCTAssertEqual(result.header("Content-Type"), "application/json")
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/SIDService/OpenAPI/openapi.json")
        XCTAssertEqual(result.body, try Data(contentsOf: file))
    }

    // MARK: - Contract fixes

    func testUnknownParametersAreIgnoredAndNamed() throws {
        let result = try enhance("ratio=100&token=s3cret&utm_source=x&token=again")
        XCTAssertEqual(result.status, 200, result.bodyText)
        XCTAssertEqual(result.header("X-SID-Ignored-Parameters"), "token, utm_source")
        XCTAssertEqual(result.header("X-SID-Ratio"), "100")
        XCTAssertNil(try enhance().header("X-SID-Ignored-Parameters"))
    }

    /// The names are listed on error answers too: a pipeline that misspells "ratio" as "ration" and also sends a bad
    /// value sees both mistakes in one answer, whichever check refused it (head, query, form, raw).
    func testErrorAnswersNameTheIgnoredParametersToo() throws {
        let badValue = try enhance("ration=100&ratio=abc")
        try assertProblem(badValue, 400, containing: "ratio")
        XCTAssertEqual(badValue.header("X-SID-Ignored-Parameters"), "ration")
        let notAcceptable = try enhance("ratio=100&utm_source=x", "-H", "Accept: image/webp")
        XCTAssertEqual(notAcceptable.status, 406, notAcceptable.bodyText)
        XCTAssertEqual(notAcceptable.header("X-SID-Ignored-Parameters"), "utm_source")
        let notRaw = try Curl.run(["--data-binary", "@\(SampleRaws.small)", "-H", "Content-Type: image/png",
                                   "\(url)/v1/enhance?token=1"])
        XCTAssertEqual(notRaw.status, 415, notRaw.bodyText)
        XCTAssertEqual(notRaw.header("X-SID-Ignored-Parameters"), "token")
        let unreadable = try Curl.run(["--data-binary", "not a raw file at all", "-H", "Content-Type: application/octet-stream",
                                       "\(url)/v1/enhance?ratio=100&token=1"])
        XCTAssertEqual(unreadable.status, 415, "LibRaw refuses it in the worker: \(unreadable.bodyText)")
        XCTAssertEqual(unreadable.header("X-SID-Ignored-Parameters"), "token")
        let twoFiles = try Curl.run(["-F", "file=@\(SampleRaws.small)", "-F", "other=@\(SampleRaws.tiny)", "-F", "colour=blue",
                                     "\(url)/v1/enhance?token=1"])
        XCTAssertEqual(twoFiles.status, 400, twoFiles.bodyText)
        XCTAssertEqual(twoFiles.header("X-SID-Ignored-Parameters"), "token")
        let badFormValue = try Curl.run(["-F", "file=@\(SampleRaws.small)", "-F", "colour=blue", "-F", "bits=7",
                                         "\(url)/v1/enhance?token=1"])
        XCTAssertEqual(badFormValue.status, 400, badFormValue.bodyText)
        XCTAssertEqual(badFormValue.header("X-SID-Ignored-Parameters"), "token, colour", "form fields seen before the refusal")
        let other = try Curl.run(["\(url)/v1/models?token=1"])
        XCTAssertNil(other.header("X-SID-Ignored-Parameters"), "only /v1/enhance has parameters to ignore")
    }

    func testAFormTakesExactlyOneFilePart() throws {
        let named = try Curl.run(["-F", "photo=@\(SampleRaws.small)", "-F", "ratio=100", "-F", "colour=blue",
                                  "\(url)/v1/enhance"])
        XCTAssertEqual(named.status, 200, "the one part with a filename is the file: \(named.bodyText)")
        XCTAssertEqual(named.header("X-SID-Ignored-Parameters"), "colour")
        try assertProblem(try Curl.run(["-F", "file=@\(SampleRaws.small)", "-F", "file=@\(SampleRaws.small)",
                                        "\(url)/v1/enhance"]),
                          400, containing: "the form holds 2 file parts (\"file\", \"file\"); send exactly one raw file")
        try assertProblem(try Curl.run(["-F", "file=@\(SampleRaws.small)", "-F", "other=@\(SampleRaws.tiny)",
                                        "\(url)/v1/enhance"]), 400, containing: "2 file parts")
        try assertProblem(try Curl.run(["-F", "ratio=100", "\(url)/v1/enhance"]), 400, containing: "the form has no file")
    }

    // MARK: - CORS

    func testPreflightFromAnAllowedOriginIsGranted() throws {
        let result = try Curl.run(["-X", "OPTIONS", "-H", "Origin: \(Self.origin)", "-H", "Access-Control-Request-Method: POST",
                                   "-H", "Access-Control-Request-Headers: content-type, authorization", "\(url)/v1/enhance"])
        XCTAssertEqual(result.status, 204, result.bodyText)
        XCTAssertEqual(result.header("Access-Control-Allow-Origin"), Self.origin)
        XCTAssertEqual(result.header("Access-Control-Allow-Methods"), "POST")
        XCTAssertTrue(result.header("Access-Control-Allow-Headers")?.contains("Content-Type") == true)
        XCTAssertEqual(result.header("Access-Control-Max-Age"), "600")

        let image = try enhance("ratio=100", "-H", "Origin: \(Self.origin)")
        XCTAssertEqual(image.header("Access-Control-Allow-Origin"), Self.origin)
        XCTAssertTrue(image.header("Access-Control-Expose-Headers")?.contains("X-SID-Model") == true)
        let problem = try enhance("format=webp", "-H", "Origin: \(Self.origin)")
        XCTAssertEqual(problem.header("Access-Control-Allow-Origin"), Self.origin, "a browser app can read its errors")
    }

    func testOtherOriginsAndMethodsAreRefused() throws {
        try assertProblem(try Curl.run(["-X", "OPTIONS", "-H", "Origin: https://evil.example",
                                        "-H", "Access-Control-Request-Method: POST", "\(url)/v1/enhance"]),
                          403, containing: "may not call this service from a browser")
        try assertProblem(try Curl.run(["-X", "OPTIONS", "-H", "Origin: \(Self.origin)",
                                        "-H", "Access-Control-Request-Method: DELETE", "\(url)/v1/enhance"]),
                          403, containing: "does not allow DELETE")
        let other = try enhance("ratio=100", "-H", "Origin: https://evil.example")
        XCTAssertEqual(other.status, 200, "CORS is the browser's check: the service still answers")
        XCTAssertNil(other.header("Access-Control-Allow-Origin"))
        XCTAssertEqual(other.header("Vary"), "Accept, Origin")
    }

    /// Found by Schemathesis: OPTIONS without the preflight headers got 405 although the document declares OPTIONS,
    /// and TRACE or QUERY got 501 (a server error) where a route that does not allow a known method answers 405.
    func testPlainOPTIONSListsTheMethodsAndTRACEIs405() throws {
        for (path, allow) in [("/v1/enhance", "POST, OPTIONS"), ("/v1/models", "GET, HEAD, OPTIONS"),
                              ("/v1/limits", "GET, HEAD, OPTIONS")] {
            let result = try Curl.run(["-X", "OPTIONS", "\(url)\(path)"])
            XCTAssertEqual(result.status, 204, "\(path): \(result.bodyText)")
            XCTAssertEqual(result.header("Allow"), allow, path)
        }
        XCTAssertEqual(try Curl.run(["-X", "OPTIONS", "\(url)/healthz"]).status, 405, "OPTIONS is for the API routes")
        for method in ["TRACE", "QUERY", "BREW"] {
            let result = try Curl.run(["-X", method, "\(url)/v1/models"])
            try assertProblem(result, 405, containing: "\(method) is not allowed here")
            XCTAssertEqual(result.header("Allow"), "GET, HEAD")
        }
    }

    func testAGetWithAnAPIKeyHeaderIsPreflightedToo() throws {
        let result = try Curl.run(["-X", "OPTIONS", "-H", "Origin: \(Self.origin)", "-H", "Access-Control-Request-Method: GET",
                                   "-H", "Access-Control-Request-Headers: x-api-key", "\(url)/v1/models"])
        XCTAssertEqual(result.status, 204, result.bodyText)
        XCTAssertEqual(result.header("Access-Control-Allow-Methods"), "GET, HEAD")
        XCTAssertTrue(result.header("Access-Control-Allow-Headers")?.contains("X-API-Key") == true)
    }
}
