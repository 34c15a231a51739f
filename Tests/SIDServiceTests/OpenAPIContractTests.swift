import Foundation
import HTTPTypes
import SIDHTTP
@testable import SIDService
import SIDTestSupport
import XCTest

/// The OpenAPI document (Sources/SIDService/OpenAPI/openapi.json, what GET /openapi.json serves) against the code,
/// both ways: every route and method, every /v1/enhance parameter, every status the service and its server can
/// answer, and every header of an image answer is in the document, and the document lists nothing more.
final class OpenAPIContractTests: XCTestCase {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    private static let file = repository.appendingPathComponent("Sources/SIDService/OpenAPI/openapi.json")

    private var document: [String: Any] {
        get throws { try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.bytes)) as! [String: Any] }
    }

    private var paths: [String: [String: Any]] {
        get throws { try document["paths"] as! [String: [String: Any]] }
    }

    private static let methods: Set<String> = ["get", "head", "post", "put", "delete", "patch", "options"]

    /// One value of every ServiceError case. The switch below has no default, so a new case does not compile
    /// until it is named there, next to this list.
    private static let serviceErrors: [ServiceError] = [
        .badRequest("x"), .notFound(path: "/x"), .methodNotAllowed(method: "PUT", allowed: [.get]),
        .notImplemented(method: "BREW"), .unauthorized(invalid: true), .tooManyForKey(limit: 1), .unsupportedMediaType("x"), .unusableRaw("x"), .notAcceptable("x"), .forbiddenOrigin("x"), .starting, .draining,
        .queueFull(capacity: 1), .queueTimeout(seconds: 1), .clientClosed, .internalError("x"),
    ]

    private static func named(_ error: ServiceError) {
        switch error {
        case .badRequest, .notFound, .methodNotAllowed, .notImplemented, .unauthorized, .tooManyForKey, .unsupportedMediaType, .unusableRaw, .notAcceptable,
             .forbiddenOrigin, .starting, .draining, .queueFull, .queueTimeout, .clientClosed, .internalError:
            break
        }
    }

    /// One value of every HTTPParseError case: the server's own answers before the service sees a request.
    private static let parseErrors: [HTTPParseError] = [
        .requestLineTooLong(limit: 1), .malformedRequestLine("x"), .invalidRequestTarget, .unsupportedVersion(HTTPVersion(major: 2, minor: 0)),
        .bareLineFeed, .bareCarriageReturn, .obsoleteLineFolding, .invalidHeaderField("x"), .tooManyHeaderFields(limit: 1),
        .headerSectionTooLarge(limit: 1), .invalidHost("x"), .contentLengthWithTransferEncoding, .duplicateContentLength,
        .invalidContentLength, .transferEncodingInHTTP10, .chunkedNotFinal, .chunkedRepeated,
        .unsupportedTransferCoding("gzip"), .lengthRequired(method: "POST"), .bodyTooLarge(limit: 1), .malformedChunk("x"),
        .unsupportedExpectation("x"),
    ]

    private static func named(_ error: HTTPParseError) {
        switch error {
        case .requestLineTooLong, .malformedRequestLine, .invalidRequestTarget, .unsupportedVersion, .bareLineFeed,
             .bareCarriageReturn, .obsoleteLineFolding, .invalidHeaderField, .tooManyHeaderFields, .headerSectionTooLarge,
             .invalidHost, .contentLengthWithTransferEncoding, .duplicateContentLength, .invalidContentLength,
             .transferEncodingInHTTP10, .chunkedNotFinal, .chunkedRepeated, .unsupportedTransferCoding, .lengthRequired,
             .bodyTooLarge, .malformedChunk, .unsupportedExpectation:
            break
        }
    }

    func testTheServedDocumentIsTheFileInTheRepository() throws {
        XCTAssertEqual(OpenAPIDocument.bytes, Array(try Data(contentsOf: Self.file)))
        XCTAssertEqual(try document["openapi"] as? String, "3.1.0")
    }

    func testEveryRouteAndMethodIsDocumentedAndNothingElse() throws {
        var inCode: Set<String> = []
        for route in Route.allCases where route.rawValue.hasPrefix("/") {
            for method in route.allowedMethods { inCode.insert("\(method.rawValue.lowercased()) \(route.rawValue)") }
        }
        // OPTIONS (CORS preflights among them) on the API routes.
        for route in Route.allCases where route.isAPI { inCode.insert("options \(route.rawValue)") }
        var documented: Set<String> = []
        for (path, item) in try paths {
            for method in item.keys where Self.methods.contains(method) { documented.insert("\(method) \(path)") }
        }
        XCTAssertEqual(documented.subtracting(inCode), [], "documented but not served")
        XCTAssertEqual(inCode.subtracting(documented), [], "served but not documented")
    }

    func testEveryEnhanceParameterIsDocumentedAndNothingElse() throws {
        let operation = try paths["/v1/enhance"]!["post"] as! [String: Any]
        let parameters = operation["parameters"] as! [[String: Any]]
        let query = Set(parameters.filter { $0["in"] as? String == "query" }.map { $0["name"] as! String })
        XCTAssertEqual(query, EnhanceParameters.names)
        // The form carries the same fields, and the file.
        let body = operation["requestBody"] as! [String: Any]
        let form = ((body["content"] as! [String: Any])["multipart/form-data"] as! [String: Any])["schema"] as! [String: Any]
        XCTAssertEqual(Set((form["properties"] as! [String: Any]).keys), EnhanceParameters.names.union(["file"]))
    }

    func testEveryStatusTheServiceAnswersIsDocumentedAndNothingElse() throws {
        for error in Self.serviceErrors { Self.named(error) }
        for error in Self.parseErrors { Self.named(error) }
        var inCode = Set(Self.serviceErrors.map { $0.status.code })
        inCode.formUnion(Self.parseErrors.map { $0.status.code })
        // The server's own: 408 for a slow head or body, 503 past the connection cap; the successes: 200, and 204
        // for a CORS preflight. 499 is only logged: the client is gone.
        inCode.formUnion([408, 503, 200, 204])
        inCode.remove(ServiceError.clientClosedStatus.code)
        var documented: Set<Int> = []
        for item in try paths.values {
            for (method, operation) in item where Self.methods.contains(method) {
                let responses = (operation as! [String: Any])["responses"] as! [String: Any]
                documented.formUnion(responses.keys.compactMap(Int.init))
            }
        }
        XCTAssertEqual(documented.subtracting(inCode), [], "documented but never answered")
        XCTAssertEqual(inCode.subtracting(documented), [], "answered but not documented")
    }

    func testEveryHeaderOfAnImageAnswerIsDocumented() throws {
        let operation = try paths["/v1/enhance"]!["post"] as! [String: Any]
        let ok = (operation["responses"] as! [String: Any])["200"] as! [String: Any]
        let documented = Set((ok["headers"] as! [String: Any]).keys.map { $0.lowercased() })
        let inCode: Set<String> = [ServiceHeaders.requestID, ServiceHeaders.serverTiming, ServiceHeaders.ratio,
                                   ServiceHeaders.ratioSource, ServiceHeaders.model, ServiceHeaders.warning,
                                   ServiceHeaders.ignoredParameters].map { $0.canonicalName }.reduce(into: []) { $0.insert($1) }
        XCTAssertEqual(documented, inCode)
    }

    /// openapi-spec-validator (PyPI, into .build-api/venv as scripts/ci/api-contract.sh installs it).
    func testTheDocumentIsValidOpenAPI31() throws {
        let venv = Self.repository.appendingPathComponent(".build-api/venv")
        let validator = venv.appendingPathComponent("bin/openapi-spec-validator").path
        if !FileManager.default.isExecutableFile(atPath: validator) {
            let made = try Subprocess.run("/usr/bin/python3", ["-m", "venv", venv.path], timeout: 120)
            guard made.status == 0 else { throw XCTSkip("no Python venv: \(made.stderr)") }
            let installed = try Subprocess.run(venv.appendingPathComponent("bin/pip").path,
                                               ["install", "--quiet", "--disable-pip-version-check",
                                                "openapi-spec-validator==0.9.0"], timeout: 300)
            guard installed.status == 0 else { throw XCTSkip("PyPI unreachable: \(installed.stderr)") }
        }
        let valid = try Subprocess.run(validator, [Self.file.path])
        XCTAssertEqual(valid.status, 0, valid.stdout + valid.stderr)
        // The check itself can fail: a document with a response that is not an object is refused.
        var broken = try document
        broken["paths"] = ["/x": ["get": ["responses": ["200": 7]]]]
        let brokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: broken).write(to: brokenFile)
        defer { try? FileManager.default.removeItem(at: brokenFile) }
        XCTAssertNotEqual(try Subprocess.run(validator, [brokenFile.path]).status, 0)
    }
}
