import HTTPTypes
import SIDHTTP
import XCTest

final class HTTPRequestParserTests: XCTestCase {
    /// A request as seen by the parser: its head and, if it completed, its body and trailers.
    private struct Parsed {
        var head: HTTPRequestHead
        var body: [UInt8]?
        var trailers = HTTPFields()
    }

    /// Feeds `input` in pieces of `step` bytes and collects every request, or the first error.
    private func parse(_ input: String, step: Int = .max, limits: HTTPParserLimits = HTTPParserLimits())
        -> (requests: [Parsed], error: HTTPParseError?) {
        parse(Array(input.utf8), step: step, limits: limits)
    }

    private func parse(_ bytes: [UInt8], step: Int = .max, limits: HTTPParserLimits = HTTPParserLimits())
        -> (requests: [Parsed], error: HTTPParseError?) {
        var parser = HTTPRequestParser(limits: limits)
        var requests: [Parsed] = []
        var offset = 0
        repeat {
            let end = offset + min(step, bytes.count - offset)
            parser.append(Array(bytes[offset ..< end]))
            offset = end
            do {
                while let event = try parser.next() {
                    switch event {
                    case let .head(head): requests.append(Parsed(head: head))
                    case let .end(body, trailers):
                        requests[requests.count - 1].body = body
                        requests[requests.count - 1].trailers = trailers
                    }
                }
            } catch {
                return (requests, error as? HTTPParseError)
            }
        } while offset < bytes.count
        return (requests, nil)
    }

    private func assertRejected(_ input: String, with expected: HTTPParseError, status: Int,
                                file: StaticString = #filePath, line: UInt = #line) {
        for step in [Int.max, 1] {
            let result = parse(input, step: step)
            XCTAssertEqual(result.error, expected, "step \(step)", file: file, line: line)
            XCTAssertEqual(result.error?.status.code, status, "step \(step)", file: file, line: line)
            XCTAssertTrue(result.requests.allSatisfy { $0.body == nil }, "no request may complete", file: file, line: line)
        }
    }

    /// Found by fuzzing (Fuzz/http-request-parser/corpus/bare-cr-at-end-of-read): a CR that was the last byte of one
    /// read was not looked at again when the next read arrived, so a bare CR split that way went unnoticed.
    func testBareCarriageReturnEndingAReadIsRejectedWhenTheNextByteArrives() {
        var parser = HTTPRequestParser()
        parser.append(Array("GET /\r".utf8))
        XCTAssertNil(try parser.next())
        parser.append(Array("X".utf8))
        XCTAssertThrowsError(try parser.next()) { XCTAssertEqual($0 as? HTTPParseError, .bareCarriageReturn) }
    }

    // MARK: - Well-formed requests

    func testSimpleGet() throws {
        for step in [Int.max, 1, 7] {
            let result = parse("GET /healthz?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n", step: step)
            XCTAssertNil(result.error)
            let request = try XCTUnwrap(result.requests.first)
            XCTAssertEqual(request.head.request.method, .get)
            XCTAssertEqual(request.head.request.path, "/healthz?x=1")
            XCTAssertEqual(request.head.request.authority, "example.com")
            XCTAssertEqual(request.head.request.headerFields[.userAgent], "t")
            XCTAssertEqual(request.head.version, .http1_1)
            XCTAssertEqual(request.head.framing, HTTPRequestHead.BodyFraming.none)
            XCTAssertTrue(request.head.keepAlive)
            XCTAssertFalse(request.head.expectsContinue)
            XCTAssertEqual(request.body, [])
        }
    }

    func testContentLengthBody() {
        let result = parse("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world", step: 3)
        XCTAssertNil(result.error)
        XCTAssertEqual(result.requests.first?.head.framing, .contentLength(11))
        XCTAssertEqual(result.requests.first?.body, Array("hello world".utf8))
    }

    func testFieldValuesAreTrimmedAndObsTextKept() {
        let bytes = Array("GET / HTTP/1.1\r\nHost: h\r\nX-Name: \t caf".utf8) + [0xC3, 0xA9] + Array(" \t\r\n\r\n".utf8)
        let result = parse(bytes)
        XCTAssertNil(result.error)
        XCTAssertEqual(result.requests.first?.head.request.headerFields[HTTPField.Name("X-Name")!], "café")
    }

    func testChunkedBodyWithExtensionsAndTrailers() {
        let input = "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value;quoted=\"a b\"\r\nhello\r\n"
            + "6\r\n world\r\n"
            + "A \r\n0123456789\r\n"
            + "0;last\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"
        for step in [Int.max, 1, 4] {
            let result = parse(input, step: step)
            XCTAssertNil(result.error, "step \(step)")
            XCTAssertEqual(result.requests.first?.head.framing, .chunked)
            XCTAssertEqual(result.requests.first?.body, Array("hello world0123456789".utf8))
            XCTAssertEqual(result.requests.first?.trailers[HTTPField.Name("X-Checksum")!], "abc")
            XCTAssertEqual(result.requests.first?.trailers.count, 2)
        }
    }

    func testChunkSizeIsCaseInsensitiveHex() {
        let result = parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n1a\r\n"
            + String(repeating: "x", count: 26) + "\r\n0\r\n\r\n")
        XCTAssertNil(result.error)
        XCTAssertEqual(result.requests.first?.body?.count, 26)
    }

    func testPipelinedRequestsComeOutInOrder() {
        let input = "GET /one HTTP/1.1\r\nHost: h\r\n\r\n"
            + "POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
            + "POST /three HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n"
            + "GET /four HTTP/1.1\r\nHost: h\r\n\r\n"
        for step in [Int.max, 1, 13] {
            let result = parse(input, step: step)
            XCTAssertNil(result.error)
            XCTAssertEqual(result.requests.map(\.head.request.path), ["/one", "/two", "/three", "/four"])
            XCTAssertEqual(result.requests.map(\.body), [[], Array("abc".utf8), Array("xy".utf8), []])
        }
    }

    func testLeadingEmptyLinesAreIgnored() {
        let result = parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertNil(result.error)
        XCTAssertEqual(result.requests.count, 1)
    }

    func testMessageByteCountIncludesFraming() {
        var parser = HTTPRequestParser()
        let input = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
        parser.append(Array(input.utf8))
        XCTAssertNotNil(try parser.next())
        XCTAssertNotNil(try parser.next())
        XCTAssertEqual(parser.currentMessageByteCount, input.utf8.count)
        XCTAssertTrue(parser.isAtMessageBoundary)
    }

    func testAbsoluteFormTargetUsesItsAuthority() {
        let result = parse("GET http://other.example:8080/p?q HTTP/1.1\r\nHost: ignored\r\n\r\n")
        XCTAssertEqual(result.requests.first?.head.request.authority, "other.example:8080")
        XCTAssertEqual(result.requests.first?.head.request.path, "/p?q")
        XCTAssertEqual(result.requests.first?.head.request.scheme, "http")
    }

    func testAsteriskFormOnlyForOptions() {
        XCTAssertNil(parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").error)
        assertRejected("GET * HTTP/1.1\r\nHost: h\r\n\r\n", with: .invalidRequestTarget, status: 400)
    }

    // MARK: - Persistence

    func testKeepAliveRules() {
        func keepAlive(_ version: String, _ connection: String?) -> Bool? {
            let field = connection.map { "Connection: \($0)\r\n" } ?? ""
            return parse("GET / \(version)\r\nHost: h\r\n\(field)\r\n").requests.first?.head.keepAlive
        }
        XCTAssertEqual(keepAlive("HTTP/1.1", nil), true)
        XCTAssertEqual(keepAlive("HTTP/1.1", "close"), false)
        XCTAssertEqual(keepAlive("HTTP/1.1", "Keep-Alive, CLOSE"), false)
        XCTAssertEqual(keepAlive("HTTP/1.0", nil), false)
        XCTAssertEqual(keepAlive("HTTP/1.0", "keep-alive"), true)
        XCTAssertEqual(keepAlive("HTTP/1.0", "keep-alive, close"), false)
    }

    func testHTTP10NeedsNoHost() {
        let result = parse("GET / HTTP/1.0\r\n\r\n")
        XCTAssertNil(result.error)
        XCTAssertEqual(result.requests.first?.head.version, .http1_0)
    }

    func testHigherMinorVersionIsTreatedAsHTTP11() {
        XCTAssertEqual(parse("GET / HTTP/1.7\r\nHost: h\r\n\r\n").requests.first?.head.version, .http1_1)
    }

    // MARK: - Expect

    func testExpectContinue() {
        let result = parse("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-Continue\r\n\r\n")
        XCTAssertEqual(result.requests.first?.head.expectsContinue, true)
        XCTAssertNil(result.requests.first?.body, "the body has not arrived yet")
    }

    func testExpectIsIgnoredForHTTP10() {
        let result = parse("POST /x HTTP/1.0\r\nContent-Length: 0\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertEqual(result.requests.first?.head.expectsContinue, false)
    }

    func testUnknownExpectationIs417() {
        assertRejected("GET / HTTP/1.1\r\nHost: h\r\nExpect: magic\r\n\r\n",
                       with: .unsupportedExpectation("magic"), status: 417)
    }

    // MARK: - Smuggling and framing errors

    func testContentLengthAndTransferEncodingTogetherIs400() {
        assertRejected("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                       with: .contentLengthWithTransferEncoding, status: 400)
        assertRejected("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
                       with: .contentLengthWithTransferEncoding, status: 400)
    }

    func testDuplicateContentLengthIs400EvenIfEqual() {
        assertRejected("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
                       with: .duplicateContentLength, status: 400)
        assertRejected("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                       with: .duplicateContentLength, status: 400)
    }

    func testInvalidContentLengthIs400() {
        for value in ["3, 3", "-1", "+3", "0x10", "", "3 3", "1e3", "99999999999999999999"] {
            assertRejected("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \(value)\r\n\r\n",
                           with: .invalidContentLength, status: 400)
        }
    }

    func testTransferCodingRules() {
        assertRejected("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", with: .chunkedNotFinal, status: 400)
        assertRejected("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", with: .chunkedNotFinal, status: 400)
        assertRejected("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                       with: .unsupportedTransferCoding("gzip"), status: 501)
        assertRejected("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                       with: .chunkedRepeated, status: 400)
        assertRejected("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n", with: .chunkedNotFinal, status: 400)
        assertRejected("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", with: .transferEncodingInHTTP10, status: 400)
    }

    func testPostWithoutFramingIs411ButGetIsFine() {
        assertRejected("POST /x HTTP/1.1\r\nHost: h\r\n\r\n", with: .lengthRequired(method: "POST"), status: 411)
        assertRejected("PUT /x HTTP/1.1\r\nHost: h\r\n\r\n", with: .lengthRequired(method: "PUT"), status: 411)
        XCTAssertNil(parse("DELETE /x HTTP/1.1\r\nHost: h\r\n\r\n").error)
        let lenient = HTTPParserLimits(lengthRequiredMethods: [])
        XCTAssertEqual(parse("POST /x HTTP/1.1\r\nHost: h\r\n\r\n", limits: lenient).requests.first?.body, [])
    }

    func testObsoleteLineFoldingIs400() {
        assertRejected("GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n two\r\n\r\n", with: .obsoleteLineFolding, status: 400)
        assertRejected("GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n\ttwo\r\n\r\n", with: .obsoleteLineFolding, status: 400)
    }

    func testBareLineFeedIs400() {
        assertRejected("GET / HTTP/1.1\nHost: h\r\n\r\n", with: .bareLineFeed, status: 400)
        assertRejected("GET / HTTP/1.1\r\nHost: h\n\r\n", with: .bareLineFeed, status: 400)
        assertRejected("GET / HTTP/1.1\r\nHost: h\r\n\n", with: .bareLineFeed, status: 400)
        assertRejected("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n",
                       with: .bareLineFeed, status: 400)
    }

    func testBareCarriageReturnIs400() {
        assertRejected("GET / HTTP/1.1\r\nHost: h\rX-Evil: 1\r\n\r\n", with: .bareCarriageReturn, status: 400)
        assertRejected("GET /\r HTTP/1.1\r\nHost: h\r\n\r\n", with: .bareCarriageReturn, status: 400)
    }

    func testControlCharactersInValuesAre400() {
        let bytes = Array("GET / HTTP/1.1\r\nHost: h\r\nX-A: a".utf8) + [0x00] + Array("b\r\n\r\n".utf8)
        XCTAssertEqual(parse(bytes).error?.status.code, 400)
        let delete = Array("GET / HTTP/1.1\r\nHost: h\r\nX-A: a".utf8) + [0x7F] + Array("\r\n\r\n".utf8)
        XCTAssertEqual(parse(delete).error?.status.code, 400)
    }

    func testWhitespaceBeforeColonIs400() {
        XCTAssertEqual(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length : 5\r\n\r\n").error?.status.code, 400)
        XCTAssertEqual(parse("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n").error?.status.code, 400)
        XCTAssertEqual(parse("GET / HTTP/1.1\r\nHost: h\r\n: empty\r\n\r\n").error?.status.code, 400)
    }

    func testMalformedRequestLines() {
        for line in ["GET  / HTTP/1.1", "GET / HTTP/1.1 ", " GET / HTTP/1.1", "GET /", "GET\t/\tHTTP/1.1",
                     "G(T / HTTP/1.1", "GET / http/1.1", "GET / HTTP/1", "GET / HTTP/1.10", "GET / HTTP/x.1",
                     "\u{16}\u{03}\u{01}junk"] {
            let result = parse(line + "\r\nHost: h\r\n\r\n")
            XCTAssertEqual(result.error?.status.code, 400, line)
        }
        XCTAssertEqual(parse("GET /\u{7F} HTTP/1.1\r\nHost: h\r\n\r\n").error, .invalidRequestTarget)
    }

    func testUnsupportedMajorVersionIs505() {
        assertRejected("GET / HTTP/2.0\r\nHost: h\r\n\r\n", with: .unsupportedVersion(HTTPVersion(major: 2, minor: 0)),
                       status: 505)
    }

    func testHostRules() {
        assertRejected("GET / HTTP/1.1\r\n\r\n", with: .invalidHost("it is required in HTTP/1.1"), status: 400)
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", with: .invalidHost("it appears more than once"),
                       status: 400)
        XCTAssertEqual(parse("GET / HTTP/1.1\r\nHost: a b\r\n\r\n").error?.status.code, 400)
        XCTAssertNil(parse("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").error)
    }

    func testMalformedChunks() {
        let prefix = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        for body in ["g\r\n", "\r\n", " 5\r\nhello\r\n", "5 x\r\nhello\r\n", "-5\r\n", "5\r\nhelloXX", "5\r\nhello0\r\n\r\n",
                     "ffffffffffffffffff\r\n"] {
            let result = parse(prefix + body)
            XCTAssertEqual(result.error?.status.code, 400, body.debugDescription)
            XCTAssertNil(result.requests.first?.body, body.debugDescription)
        }
    }

    func testChunkLineLimit() {
        let limits = HTTPParserLimits(maxChunkLineBytes: 32)
        let input = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "e", count: 64)
        XCTAssertEqual(parse(input, step: 1, limits: limits).error?.status.code, 400)
    }

    // MARK: - Limits

    func testRequestLineLimitIs414() {
        let limits = HTTPParserLimits(maxRequestLineBytes: 64)
        let long = "GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\nHost: h\r\n\r\n"
        XCTAssertEqual(parse(long, limits: limits).error, .requestLineTooLong(limit: 64))
        // Detected before the line ends, so a client cannot make us buffer without bound.
        XCTAssertEqual(parse("GET /" + String(repeating: "a", count: 100), step: 1, limits: limits).error?.status.code, 414)
        XCTAssertEqual(parse(String(repeating: "\r\n", count: 40), limits: limits).error?.status.code, 414)
        let fits = "GET /" + String(repeating: "a", count: 48) + " HTTP/1.1\r\nHost: h\r\n\r\n"
        XCTAssertNil(parse(fits, limits: limits).error)
    }

    func testDefaultRequestLineLimitIs8KiB() {
        let target = "/" + String(repeating: "a", count: 8 * 1024)
        XCTAssertEqual(parse("GET \(target) HTTP/1.1\r\nHost: h\r\n\r\n").error?.status.code, 414)
    }

    func testHeaderCountLimitIs431() {
        let fields = (0 ..< 101).map { "X-\($0): v\r\n" }.joined()
        XCTAssertEqual(parse("GET / HTTP/1.1\r\nHost: h\r\n\(fields)\r\n").error, .tooManyHeaderFields(limit: 100))
        let fitting = (0 ..< 99).map { "X-\($0): v\r\n" }.joined()
        XCTAssertNil(parse("GET / HTTP/1.1\r\nHost: h\r\n\(fitting)\r\n").error)
    }

    func testHeaderBytesLimitIs431() {
        let huge = "X-Big: " + String(repeating: "b", count: 33 * 1024) + "\r\n"
        XCTAssertEqual(parse("GET / HTTP/1.1\r\nHost: h\r\n\(huge)\r\n").error, .headerSectionTooLarge(limit: 32 * 1024))
        // Also while the line is still arriving.
        XCTAssertEqual(parse("GET / HTTP/1.1\r\nHost: h\r\n" + huge.dropLast(2), step: 1000).error?.status.code, 431)
        let limits = HTTPParserLimits(maxHeaderBytes: 30)
        let exact = "GET / HTTP/1.1\r\nHost: h\r\nX-A: 12345678901234\r\n\r\n" // 9 + 21 = 30 bytes of fields
        XCTAssertNil(parse(exact, limits: limits).error)
        XCTAssertEqual(parse(exact.replacingOccurrences(of: "1234\r", with: "12345\r"), limits: limits).error?.status.code, 431)
    }

    func testTrailersCountAgainstHeaderLimits() {
        let limits = HTTPParserLimits(maxHeaderCount: 2)
        let input = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
        XCTAssertEqual(parse(input, limits: limits).error, .tooManyHeaderFields(limit: 2))
    }

    func testBodyLimitIs413() {
        let limits = HTTPParserLimits(maxBodyBytes: 10)
        XCTAssertEqual(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits: limits).error,
                       .bodyTooLarge(limit: 10))
        XCTAssertNil(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits).error)
        let chunked = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\n"
        XCTAssertEqual(parse(chunked, limits: limits).error, .bodyTooLarge(limit: 10))
    }

    func testErrorIsSticky() {
        var parser = HTTPRequestParser()
        parser.append(Array("GET / HTTP/1.1\nHost: h\r\n\r\n".utf8))
        XCTAssertThrowsError(try parser.next())
        parser.append(Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        XCTAssertThrowsError(try parser.next()) { XCTAssertEqual($0 as? HTTPParseError, .bareLineFeed) }
    }

    func testRandomInputNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("GET POST / HTTP/1.1\r\n:Host-Length Transfer-Encoding chunked 0123456789abcdef;\t \"".utf8)
        for _ in 0 ..< 2000 {
            let length = Int.random(in: 0 ..< 200, using: &generator)
            let bytes = (0 ..< length).map { _ in
                Bool.random(using: &generator) ? alphabet.randomElement(using: &generator)!
                    : UInt8.random(in: 0 ... 255, using: &generator)
            }
            _ = parse(bytes, step: Int.random(in: 1 ... 50, using: &generator))
        }
    }
}
