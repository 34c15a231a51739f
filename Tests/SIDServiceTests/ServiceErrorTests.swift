import Foundation
import HTTPTypes
import SIDEngine
import SIDRaw
@testable import SIDService
import XCTest

final class ServiceErrorTests: XCTestCase {
    func testEngineErrorsKeepTheirStatus() {
        XCTAssertEqual(ServiceError(EngineError.badParameter("x")).status.code, 400)
        XCTAssertEqual(ServiceError(EngineError.modelUnavailable("x")).status.code, 400)
        XCTAssertEqual(ServiceError(EngineError.unsupportedInput("x")).status.code, 415)
        XCTAssertEqual(ServiceError(EngineError.unusableRaw("x")).status.code, 422)
        XCTAssertEqual(ServiceError(EngineError.weights("x")).status.code, 500)
    }

    /// A file that crashes, hangs or exhausts the decoder process is the file's doing (422: retrying would do the
    /// same); a helper that misbehaves on its own is the service's (500).
    func testDecoderProcessFailuresKeepTheirStatus() {
        for failure in [RawDecodingError.decoderCrashed(signal: SIGSEGV), .decoderTimedOut(seconds: 60),
                        .decoderOutOfMemory(limitMegabytes: 512)] {
            let error = ServiceError(EngineError.decoderFailure(failure))
            XCTAssertEqual(error.status.code, 422, "\(failure)")
            XCTAssertTrue(error.description.hasSuffix("."), error.description)
        }
        let malfunction = ServiceError(EngineError.decoderFailure(.decoderMalfunction(reason: "it exited with status 2")))
        XCTAssertEqual(malfunction.status.code, 500)
        XCTAssertEqual(malfunction.description, "The service failed: The raw decoder process failed: it exited with status 2.")
    }

    func testProblemResponseCarriesAllowRetryAfterAndRequestID() throws {
        let notAllowed = ServiceError.methodNotAllowed(method: "GET", allowed: [.post]).response(requestID: "r1")
        XCTAssertEqual(notAllowed.head.status.code, 405)
        XCTAssertEqual(notAllowed.head.headerFields[.allow], "POST")
        XCTAssertEqual(notAllowed.head.headerFields[.contentType], "application/problem+json")
        XCTAssertEqual(notAllowed.head.headerFields[HTTPField.Name("X-Request-Id")!], "r1")

        let full = ServiceError.queueFull(capacity: 2).response(requestID: nil)
        XCTAssertEqual(full.head.status.code, 503)
        XCTAssertEqual(full.head.headerFields[.retryAfter], "2")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(full.body)) as? [String: Any])
        XCTAssertEqual(json["status"] as? Int, 503)
        XCTAssertEqual(json["detail"] as? String, "Every worker is busy and the queue already holds 2 jobs; retry shortly.")
    }

    func testEngineSentencesBecomeProperSentences() {
        XCTAssertEqual(ServiceError.unusableRaw("the image is too small").description, "The image is too small.")
    }
}
