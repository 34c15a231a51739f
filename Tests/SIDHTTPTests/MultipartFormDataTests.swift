import SIDHTTP
import XCTest

final class MultipartFormDataTests: XCTestCase {
    private func body(_ text: String) -> [UInt8] { Array(text.utf8) }

    func testParsesFieldsAndFiles() throws {
        let payload: [UInt8] = [0x00, 0x0D, 0x0A, 0x2D, 0x2D, 0xFF] // binary with CRLF and dashes inside
        let bytes = body("preamble to ignore\r\n--XyZ\r\n"
            + "Content-Disposition: form-data; name=\"ratio\"\r\n\r\n"
            + "100\r\n--XyZ\r\n"
            + "Content-Disposition: form-data; name=\"file\"; filename=\"shot 1.ARW\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n") + payload
            + body("\r\n--XyZ--\r\nepilogue to ignore")
        let form = try MultipartFormData(body: bytes, contentType: "multipart/form-data; boundary=XyZ")
        XCTAssertEqual(form.parts.count, 2)
        XCTAssertEqual(form.parts[0].name, "ratio")
        XCTAssertNil(form.parts[0].filename)
        XCTAssertEqual(Array(form.parts[0].body), body("100"))
        let file = try XCTUnwrap(form.part(named: "file"))
        XCTAssertEqual(file.filename, "shot 1.ARW")
        XCTAssertEqual(file.contentType, "application/octet-stream")
        XCTAssertEqual(Array(file.body), payload)
    }

    func testBodySlicesShareTheRequestStorage() throws {
        let bytes = body("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--b--")
        let form = try MultipartFormData(body: bytes, boundary: "b")
        let slice = form.parts[0].body
        XCTAssertEqual(slice.startIndex, 49)
        bytes.withUnsafeBufferPointer { whole in
            slice.withUnsafeBufferPointer { part in
                XCTAssertEqual(part.baseAddress, whole.baseAddress! + 49)
            }
        }
    }

    func testBoundaryParameterForms() throws {
        XCTAssertEqual(try MultipartFormData.boundary(fromContentType: "multipart/form-data; boundary=abc"), "abc")
        XCTAssertEqual(try MultipartFormData.boundary(fromContentType: "Multipart/Form-Data;boundary=\"a b:c\""), "a b:c")
        XCTAssertEqual(try MultipartFormData.boundary(fromContentType: "multipart/form-data; charset=x; BOUNDARY=q"), "q")
        XCTAssertThrowsError(try MultipartFormData.boundary(fromContentType: "text/plain; boundary=a")) {
            XCTAssertEqual($0 as? MultipartError, .notMultipartFormData(contentType: "text/plain; boundary=a"))
        }
        XCTAssertThrowsError(try MultipartFormData.boundary(fromContentType: "multipart/form-data")) {
            XCTAssertEqual($0 as? MultipartError, .missingBoundary)
        }
        XCTAssertThrowsError(try MultipartFormData.boundary(fromContentType: "multipart/form-data; boundary=\"abc")) {
            XCTAssertEqual($0 as? MultipartError, .notMultipartFormData(contentType: "multipart/form-data; boundary=\"abc"))
        }
        for invalid in ["", String(repeating: "a", count: 71), "trailing ", "semi;colon", "quote\"d"] {
            XCTAssertThrowsError(try MultipartFormData(body: [], boundary: invalid)) {
                XCTAssertEqual($0 as? MultipartError, .invalidBoundary(invalid))
            }
        }
    }

    func testTransportPaddingAfterBoundaryAndEmptyValue() throws {
        let bytes = body("--b \t\r\nContent-Disposition: form-data; name=empty\r\n\r\n\r\n--b--")
        let form = try MultipartFormData(body: bytes, boundary: "b")
        XCTAssertEqual(form.parts.first?.name, "empty")
        XCTAssertEqual(form.parts.first?.body.count, 0)
    }

    func testBoundaryPrefixInsideContentIsContent() throws {
        let bytes = body("--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--bc\r\ny\r\n--b--\r\n")
        let form = try MultipartFormData(body: bytes, boundary: "b")
        XCTAssertEqual(form.parts.count, 1)
        XCTAssertEqual(Array(form.parts[0].body), body("x\r\n--bc\r\ny"))
    }

    func testExtendedFilenameIsPreferred() throws {
        let bytes = body("--b\r\nContent-Disposition: form-data; name=f; filename=\"fallback.png\"; "
            + "filename*=UTF-8''na%C3%AFve%20shot.png\r\n\r\ndata\r\n--b--")
        XCTAssertEqual(try MultipartFormData(body: bytes, boundary: "b").parts.first?.filename, "naïve shot.png")
    }

    func testEscapedQuotesInParameters() throws {
        let bytes = body("--b\r\nContent-Disposition: form-data; name=\"a\\\"b\"; filename=\"c;d.txt\"\r\n\r\nv\r\n--b--")
        let part = try XCTUnwrap(MultipartFormData(body: bytes, boundary: "b").parts.first)
        XCTAssertEqual(part.name, "a\"b")
        XCTAssertEqual(part.filename, "c;d.txt")
    }

    func testMissingFinalBoundaryIsAnError() {
        for text in ["--b\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue",
                     "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue\r\n--b",
                     "--b\r\nContent-Disposition: form-data; name=a\r\n",
                     "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue\r\n--b\r\n"] {
            XCTAssertThrowsError(try MultipartFormData(body: body(text), boundary: "b"), text.debugDescription) {
                XCTAssertEqual($0 as? MultipartError, .missingFinalBoundary, text.debugDescription)
            }
        }
    }

    func testMissingFirstBoundaryIsAnError() {
        XCTAssertThrowsError(try MultipartFormData(body: body("no boundary here"), boundary: "b")) {
            XCTAssertEqual($0 as? MultipartError, .missingFirstBoundary)
        }
        XCTAssertThrowsError(try MultipartFormData(body: [], boundary: "b")) {
            XCTAssertEqual($0 as? MultipartError, .missingFirstBoundary)
        }
    }

    func testMalformedPartsAreErrors() {
        let cases: [(String, MultipartError)] = [
            ("--b\r\nX-A: 1\r\n\r\nv\r\n--b--", .missingContentDisposition),
            ("--b\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--b--", .missingContentDisposition),
            ("--b\r\nContent-Disposition: form-data; filename=x\r\n\r\nv\r\n--b--", .missingName),
            ("--b\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\nv\r\n--b--",
             .malformedPartHeaders("a header is folded onto a continuation line")),
            ("--b\r\nno colon\r\n\r\nv\r\n--b--", .malformedPartHeaders("a header line is not \"Name: value\"")),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try MultipartFormData(body: body(text), boundary: "b"), text.debugDescription) {
                XCTAssertEqual($0 as? MultipartError, expected, text.debugDescription)
            }
        }
    }

    func testLimits() {
        let part = "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n"
        XCTAssertThrowsError(try MultipartFormData(body: body(String(repeating: part, count: 4) + "--b--"),
                                                   boundary: "b", maxParts: 3)) {
            XCTAssertEqual($0 as? MultipartError, .tooManyParts(limit: 3))
        }
        let bigHeader = "--b\r\nContent-Disposition: form-data; name=a\r\nX-Pad: " + String(repeating: "p", count: 200)
            + "\r\n\r\nv\r\n--b--"
        XCTAssertThrowsError(try MultipartFormData(body: body(bigHeader), boundary: "b", maxPartHeaderBytes: 100)) {
            XCTAssertEqual($0 as? MultipartError, .partHeadersTooLarge(limit: 100))
        }
    }

    func testZeroPartsIsAccepted() throws {
        XCTAssertEqual(try MultipartFormData(body: body("--b--\r\n"), boundary: "b").parts.count, 0)
        // "--bjunk" is not a delimiter, so it is preamble before the close delimiter.
        XCTAssertEqual(try MultipartFormData(body: body("--bjunk\r\n--b--"), boundary: "b").parts.count, 0)
    }

    func testRandomGarbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = body("--b\r\n:; =\"Content-Disposition form-data name filename*'%")
        for _ in 0 ..< 3000 {
            let bytes = (0 ..< Int.random(in: 0 ..< 120, using: &generator)).map { _ in
                Bool.random(using: &generator) ? alphabet.randomElement(using: &generator)!
                    : UInt8.random(in: 0 ... 255, using: &generator)
            }
            _ = try? MultipartFormData(body: bytes, boundary: "b")
        }
    }

    func testLargeUploadIsFast() throws {
        // CR LF "-" repeated: every third byte starts a delimiter candidate, the worst case for the scanner.
        let payload = (0 ..< 8 * 1024 * 1024).map { [UInt8(0x0D), 0x0A, 0x2D][$0 % 3] }
        let bytes = body("--boundary123\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n")
            + payload + body("\r\n--boundary123--\r\n")
        let start = Date()
        let form = try MultipartFormData(body: bytes, boundary: "boundary123")
        XCTAssertEqual(form.parts.first?.body.count, payload.count)
        print("multipart: parsed 8 MiB in \(Date().timeIntervalSince(start)) s")
    }
}
