import Foundation
import SIDImage
import SIDService
import SIDTestSupport
import XCTest

/// End to end over real sockets with the real curl: uploads, answers, probes, metrics, errors.
final class EnhanceServiceTests: XCTestCase {
    // One warm service for the whole class: starting one per test would dominate the run time.
    private static var shared: ServiceHarness?
    private var harness: ServiceHarness { Self.shared! }
    private var url: String { harness.baseURL }

    override func setUpWithError() throws {
        if Self.shared == nil { Self.shared = try ServiceHarness() }
    }

    override class func tearDown() {
        shared = nil
        super.tearDown()
    }

    private func curl(_ arguments: String...) throws -> Curl.Result {
        try Curl.run(arguments)
    }

    private func assertProblem(_ result: Curl.Result, _ status: Int, containing text: String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(result.status, status, result.bodyText, file: file, line: line)
        XCTAssertEqual(result.header("Content-Type"), "application/problem+json", file: file, line: line)
        let problem = try result.json()
        XCTAssertEqual(problem["status"] as? Int, status, file: file, line: line)
        let detail = problem["detail"] as? String ?? ""
        XCTAssertTrue(detail.localizedCaseInsensitiveContains(text), "detail: \(detail)", file: file, line: line)
    }

    // MARK: - Uploads

    func testRawBodyUploadOverOneMegabyteAnswersAPNGWithItsHeaders() throws {
        let result = try curl("--data-binary", "@\(SampleRaws.large)", "-H", "Content-Type: application/octet-stream",
                              "-H", "X-Request-Id: raw-upload-1", "\(url)/v1/enhance?ratio=100")
        XCTAssertEqual(result.status, 200, result.bodyText)
        XCTAssertTrue(result.headerDump.contains("HTTP/1.1 100 Continue"),
                      "curl asked for 100-continue and must get it at once, not after its 1 s wait")
        XCTAssertEqual(result.header("Content-Type"), "image/png")
        XCTAssertEqual(result.header("X-SID-Ratio"), "100")
        XCTAssertEqual(result.header("X-SID-Ratio-Source"), "given")
        XCTAssertEqual(result.header("X-SID-Model"), "sid-sony")
        XCTAssertEqual(result.header("X-Request-Id"), "raw-upload-1")
        let timing = try XCTUnwrap(result.header("Server-Timing"))
        for stage in ["queue", "decode", "forward", "encode"] {
            XCTAssertTrue(timing.contains("\(stage);dur="), timing)
        }
        let png = try PNGDecoder().decode([UInt8](result.body))
        XCTAssertEqual([png.width, png.height, png.bitDepth], [1424, 1064, 8])

        let line = try XCTUnwrap(harness.log.requests.last { $0["request_id"] == "raw-upload-1" })
        XCTAssertEqual(line["status"], "200")
        XCTAssertEqual(line["model"], "sid-sony")
        XCTAssertNotNil(line["forward_ms"])
        XCTAssertNotNil(line["queue_ms"])
        XCTAssertGreaterThan(Int(line["bytes_in"]?.description ?? "") ?? 0, 3_000_000)
        XCTAssertGreaterThan(Int(line["bytes_out"]?.description ?? "") ?? 0, result.body.count)
    }

    func testMultipartUploadOverOneMegabyteWithFormFields() throws {
        let result = try curl("-F", "file=@\(SampleRaws.large)", "-F", "ratio=auto", "-F", "bits=16", "\(url)/v1/enhance")
        XCTAssertEqual(result.status, 200, result.bodyText)
        XCTAssertTrue(result.headerDump.contains("HTTP/1.1 100 Continue"))
        XCTAssertEqual(result.header("X-SID-Ratio-Source"), "auto")
        XCTAssertNotNil(result.header("X-SID-Ratio").flatMap(Double.init))
        XCTAssertNotNil(result.header("X-Request-Id"), "a request id is made up when the client sends none")
        let png = try PNGDecoder().decode([UInt8](result.body))
        XCTAssertEqual([png.width, png.height, png.bitDepth], [1424, 1064, 16])
    }

    func testChunkedUpload() throws {
        let result = try curl("--data-binary", "@\(SampleRaws.small)", "-H", "Transfer-Encoding: chunked",
                              "-H", "Content-Type: application/octet-stream", "\(url)/v1/enhance?ratio=50&model=baseline")
        XCTAssertEqual(result.status, 200, result.bodyText)
        XCTAssertEqual(result.header("X-SID-Model"), "baseline")
        XCTAssertEqual(result.header("X-SID-Ratio"), "50")
        let png = try PNGDecoder().decode([UInt8](result.body))
        XCTAssertEqual([png.width, png.height], [256, 192])
    }

    func testKeepAliveServesSeveralRequestsOnOneConnection() throws {
        let result = try curl("--data-binary", "@\(SampleRaws.small)", "-H", "Content-Type: application/octet-stream",
                              "-w", "%{http_code} %{num_connects}\\n", "-o", "/dev/null", "-o", "/dev/null",
                              "\(url)/v1/enhance?ratio=10", "\(url)/v1/enhance?ratio=20")
        XCTAssertEqual(result.output, "200 1\n200 0\n", "the second request must reuse the first connection")

        let probes = try curl("-w", "%{http_code} %{num_connects}\\n", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null",
                              "\(url)/healthz", "\(url)/readyz", "\(url)/metrics")
        XCTAssertEqual(probes.output, "200 1\n200 0\n200 0\n")
    }

    // MARK: - Probes and documents

    func testHealthReadinessAndModels() throws {
        let health = try curl("\(url)/healthz")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.bodyText, "ok\n")
        XCTAssertEqual(try curl("\(url)/readyz").status, 200)
        XCTAssertEqual(try curl("-I", "\(url)/healthz").status, 200)

        let models = try curl("\(url)/v1/models")
        XCTAssertEqual(models.status, 200)
        XCTAssertEqual(models.header("Content-Type"), "application/json")
        let document = try models.json()
        XCTAssertEqual(document["default"] as? String, "sid-sony")
        let list = try XCTUnwrap(document["models"] as? [[String: Any]])
        XCTAssertEqual(list.map { $0["name"] as? String }, ["sid-sony", "baseline"])
        XCTAssertEqual(list[0]["kind"] as? String, "unet")
        XCTAssertGreaterThan(list[0]["parameters"] as? Int ?? 0, 0)
        XCTAssertEqual(list[1]["kind"] as? String, "baseline")
    }

    func testHomePageIsAFormThatPostsToEnhance() throws {
        let page = try curl("\(url)/")
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.header("Content-Type"), "text/html; charset=utf-8")
        XCTAssertNotNil(page.header("Content-Security-Policy"))
        XCTAssertTrue(page.bodyText.contains("<input type=\"file\" id=\"file\" name=\"file\""))
        XCTAssertTrue(page.bodyText.contains("fetch(\"/v1/enhance\""))
        let head = try curl("-I", "\(url)/")
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Length"), String(page.body.count))
        XCTAssertFalse(head.bodyText.contains("<html"), "HEAD sends no body")
    }

    func testMetricsCountRequestsStagesAndBytes() throws {
        let before = try harness.scrapeMetrics()
        XCTAssertEqual(try curl("--data-binary", "@\(SampleRaws.small)", "-H", "Content-Type: application/octet-stream",
                                "\(url)/v1/enhance?ratio=100").status, 200)
        XCTAssertEqual(try curl("\(url)/no/such/page").status, 404)
        let after = try harness.scrapeMetrics()
        func delta(_ key: String) -> Double { (after[key] ?? 0) - (before[key] ?? 0) }

        XCTAssertEqual(delta("sid_http_requests_total{route=\"/v1/enhance\",status=\"200\"}"), 1)
        XCTAssertEqual(delta("sid_http_requests_total{route=\"unmatched\",status=\"404\"}"), 1)
        XCTAssertEqual(delta("sid_http_requests_total{route=\"/metrics\",status=\"200\"}"), 1, "the first scrape")
        XCTAssertGreaterThan(delta("sid_http_request_bytes_total{route=\"/v1/enhance\"}"), Double(SampleRaws.data(SampleRaws.small).count))
        XCTAssertGreaterThan(delta("sid_http_response_bytes_total{route=\"/v1/enhance\"}"), 1000)
        for stage in ["queue", "decode", "pack", "forward", "encode"] {
            XCTAssertEqual(delta("sid_stage_duration_seconds_count{stage=\"\(stage)\"}"), 1, stage)
        }
        XCTAssertEqual(delta("sid_http_request_duration_seconds_count{route=\"/v1/enhance\"}"), 1)
        XCTAssertEqual(delta("sid_jobs_total{outcome=\"completed\"}"), 1)
        XCTAssertEqual(after["sid_queue_depth"], 0)
        XCTAssertEqual(after["sid_http_requests_in_flight"], 1, "only the scrape itself")
        XCTAssertEqual(after["sid_ready"], 1)
        XCTAssertEqual(after["sid_workers"], 1)
    }

    // MARK: - Errors

    func testBadParametersAre400BeforeTheUpload() throws {
        for (query, expected) in [("ratio=abc", "invalid exposure ratio"), ("ratio=0", "invalid exposure ratio"),
                                  ("ratio=1e400", "invalid exposure ratio"), ("ratio=nan", "invalid exposure ratio"),
                                  // 1000 once rounded to Float, but above the documented maximum (Schemathesis).
                                  ("ratio=1000.00001", "invalid exposure ratio"),
                                  ("bits=12", "bits must be 8 or 16"), ("model=sid-fuji", "unknown model"),
                                  ("format=webp", "format must be png, jpeg, tiff"), ("ratio=1&ratio=2", "more than once")] {
            let result = try curl("--data-binary", "@\(SampleRaws.large)", "-H", "Content-Type: application/octet-stream",
                                  "\(url)/v1/enhance?\(query)")
            try assertProblem(result, 400, containing: expected)
            XCTAssertFalse(result.headerDump.contains("100 Continue"), "\(query) is refused before the body is sent")
        }
    }

    func testBadFormsAre400() throws {
        try assertProblem(try curl("-F", "file=@\(SampleRaws.small)", "-F", "ratio=-3", "\(url)/v1/enhance"),
                          400, containing: "invalid exposure ratio")
        try assertProblem(try curl("-F", "ratio=3", "\(url)/v1/enhance"), 400, containing: "the form has no file")
        try assertProblem(try curl("-X", "POST", "-H", "Content-Length: 0", "\(url)/v1/enhance"),
                          400, containing: "the request body is empty")
        try assertProblem(try curl("--data-binary", "--XYZ--\r\n", "-H", "Content-Type: multipart/form-data; boundary=ABC",
                                   "\(url)/v1/enhance"), 400, containing: "multipart")
    }

    func testUnknownPathIs404AndWrongMethodIs405WithAllow() throws {
        try assertProblem(try curl("\(url)/v2/enhance"), 404, containing: "There is nothing at /v2/enhance")
        let get = try curl("\(url)/v1/enhance")
        try assertProblem(get, 405, containing: "GET is not allowed")
        XCTAssertEqual(get.header("Allow"), "POST")
        let post = try curl("-X", "POST", "--data-binary", "x", "\(url)/healthz")
        try assertProblem(post, 405, containing: "POST is not allowed")
        XCTAssertEqual(post.header("Allow"), "GET, HEAD")
    }

    func testNotARawIs415EarlyFromTheContentTypeAndLateFromLibRaw() throws {
        for type in ["image/png", "image/jpeg", "text/plain", "application/json"] {
            let early = try curl("--data-binary", "@\(SampleRaws.large)", "-H", "Content-Type: \(type)",
                                 "\(url)/v1/enhance?ratio=100")
            try assertProblem(early, 415, containing: "not a camera raw file")
            XCTAssertFalse(early.headerDump.contains("100 Continue"), "\(type) is refused before the body is sent")
        }
        let jpegBytes = SampleRaws.write("fake-jpeg", Data([0xFF, 0xD8, 0xFF, 0xE0] + [UInt8](repeating: 7, count: 4000)))
        try assertProblem(try curl("--data-binary", "@\(jpegBytes)", "-H", "Content-Type: application/octet-stream",
                                   "\(url)/v1/enhance?ratio=100"), 415, containing: "not a camera raw file")
        try assertProblem(try curl("-F", "file=@\(SampleRaws.small);type=image/png", "\(url)/v1/enhance"),
                          415, containing: "not a camera raw file")
    }

    func testReadableButUnusableRawIs422() throws {
        try assertProblem(try curl("--data-binary", "@\(SampleRaws.tiny)", "-H", "Content-Type: application/octet-stream",
                                   "\(url)/v1/enhance?ratio=100"), 422, containing: "too small")
    }

    func testMissingLengthIs411AndMalformedRequestsAre400() throws {
        let noLength = try TestSocket(port: harness.port)
        try noLength.send("POST /v1/enhance HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n\r\n")
        let lengthRequired = try noLength.readResponse()
        XCTAssertEqual(lengthRequired.status, 411)
        XCTAssertEqual(lengthRequired.headers["content-type"], "application/problem+json")

        for malformed in ["GARBAGE\r\n\r\n", "GET /healthz HTTP/1.1\nHost: x\n\n", "GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                          "POST /v1/enhance HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
                          "POST /v1/enhance HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                          "POST /v1/enhance HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"] {
            let socket = try TestSocket(port: harness.port)
            try socket.send(malformed)
            let response = try socket.readResponse()
            XCTAssertEqual(response.status, 400, malformed.debugDescription)
            XCTAssertTrue(response.bodyText.contains("\"detail\""), response.bodyText)
            XCTAssertTrue(socket.waitForClose(timeout: 5), "the connection closes after a malformed request")
        }
    }

    func testHeadersTooLargeIs431() throws {
        let socket = try TestSocket(port: harness.port)
        let big = String(repeating: "a", count: 40 * 1024)
        try socket.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(big)\r\n\r\n")
        let response = try socket.readResponse()
        XCTAssertEqual(response.status, 431)
        XCTAssertEqual(response.headers["content-type"], "application/problem+json")
    }

    func testDisconnectMidUploadFreesTheConnectionAndQueuesNothing() throws {
        let before = try harness.scrapeMetrics()
        let body = SampleRaws.data(SampleRaws.large)
        let socket = try TestSocket(port: harness.port)
        try socket.send("POST /v1/enhance?ratio=100 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Length: \(body.count)\r\n\r\n")
        try socket.send(Array(body[0 ..< 1_000_000]))
        socket.reset()
        XCTAssertTrue(try ServiceHarness.eventually {
            try harness.scrapeMetrics()["sid_http_requests_in_flight"] == 1
        }, "the abandoned upload is no longer in flight")
        let after = try harness.scrapeMetrics()
        XCTAssertEqual(after["sid_jobs_total{outcome=\"completed\"}"], before["sid_jobs_total{outcome=\"completed\"}"])
        XCTAssertEqual(try curl("--data-binary", "@\(SampleRaws.small)", "\(url)/v1/enhance?ratio=100").status, 200)
    }

    func testTwentySlowClientsDoNotDelayHealthChecksOrOtherUploads() throws {
        let body = SampleRaws.data(SampleRaws.small)
        let head = "POST /v1/enhance?ratio=100 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Length: \(body.count)\r\n\r\n"
        let stopping = Locked(false)
        var dribblers: [() -> Void] = []
        var sockets: [TestSocket] = []
        for _ in 0 ..< 20 {
            let socket = try TestSocket(port: harness.port)
            try socket.send(head)
            sockets.append(socket)
            // 100 bytes every 50 ms: far slower than any upload should be, far faster than the idle timeout.
            dribblers.append(onNewThread {
                var offset = 0
                while offset < body.count / 2, !stopping.wrapped {
                    try? socket.send(Array(body[offset ..< offset + 100]))
                    offset += 100
                    Thread.sleep(forTimeInterval: 0.05)
                }
            })
        }
        defer {
            stopping.wrapped = true
            dribblers.forEach { $0() }
            sockets.forEach { $0.reset() }
        }
        Thread.sleep(forTimeInterval: 0.3)
        for _ in 0 ..< 5 {
            let started = Date()
            let health = try curl("--max-time", "5", "\(url)/healthz")
            XCTAssertEqual(health.status, 200)
            XCTAssertLessThan(Date().timeIntervalSince(started), 1.0, "the health probe answers at once")
        }
        let upload = try curl("--data-binary", "@\(SampleRaws.small)", "\(url)/v1/enhance?ratio=100")
        XCTAssertEqual(upload.status, 200, "the slow clients hold connections, never the worker")
        XCTAssertTrue(try ServiceHarness.eventually { try harness.scrapeMetrics()["sid_workers_busy"] == 0 })
    }
}
