import Foundation
import SIDService
import SIDTestSupport
import XCTest

/// The bounded queue in front of the workers: full, abandoned, expired, drained.
final class EnhanceServiceSchedulingTests: XCTestCase {
    /// A width-16 U-Net on the 1424x1064 raw keeps the one worker busy for about a second (debug build):
    /// long enough for other requests to queue behind it.
    /// The full-width network on the large raw (140 GFLOP): about a second of work, so a job is still running
    /// when the next requests arrive and a 300 ms queue timeout expires well before it ends.
    private func slowService(_ configure: (inout ServiceConfiguration) -> Void = { _ in }) throws -> ServiceHarness {
        try ServiceHarness(networkWidth: 32) {
            $0.queueCapacity = 1
            configure(&$0)
        }
    }

    /// Starts curl on another thread; the returned closure waits for its result.
    private func background(_ arguments: [String]) -> () -> Curl.Result? {
        onNewThread { try? Curl.run(arguments) }
    }

    private func upload(_ path: String, _ harness: ServiceHarness, query: String = "ratio=100") -> [String] {
        ["--data-binary", "@\(path)", "-H", "Content-Type: application/octet-stream", "\(harness.baseURL)/v1/enhance?\(query)"]
    }

    /// Sends a whole upload on a socket of its own and leaves it open, for a test that closes it while the job waits.
    private func uploadOnARawSocket(_ path: String, _ harness: ServiceHarness, requestID: String? = nil) throws -> TestSocket {
        let body = SampleRaws.data(path)
        let socket = try TestSocket(port: harness.port)
        try socket.send("POST /v1/enhance?ratio=100 HTTP/1.1\r\nHost: x\r\n"
            + (requestID.map { "X-Request-Id: \($0)\r\n" } ?? "") + "Content-Length: \(body.count)\r\n\r\n")
        try socket.send(body)
        return socket
    }

    private func waitUntilRunning(_ harness: ServiceHarness) {
        XCTAssertTrue(ServiceHarness.eventually { harness.metric("sid_workers_busy") == 1 }, "the slow job never started")
    }

    func testAFullQueueAnswers503AtOnce() throws {
        let harness = try slowService()
        let running = background(upload(SampleRaws.large, harness))
        waitUntilRunning(harness)
        let queued = background(upload(SampleRaws.small, harness))
        XCTAssertTrue(ServiceHarness.eventually { harness.metric("sid_queue_depth") == 1 })

        let started = Date()
        let refused = try Curl.run(upload(SampleRaws.large, harness))
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.0, "refused at once, not after waiting")
        XCTAssertEqual(refused.status, 503, refused.bodyText)
        XCTAssertEqual(refused.header("Retry-After"), "2")
        XCTAssertEqual(refused.header("Content-Type"), "application/problem+json")
        XCTAssertTrue(refused.bodyText.contains("the queue already holds 1 job"), refused.bodyText)
        XCTAssertFalse(refused.headerDump.contains("100 Continue"), "refused before the upload")

        XCTAssertEqual(running()?.status, 200)
        XCTAssertEqual(queued()?.status, 200)
    }

    /// The worker's decoding thread takes the next job while the running one is in its forward pass: that job
    /// still counts as queued (depth, the 503 limit), and its answer is the same file it gets when alone.
    func testTheNextJobIsDecodedDuringTheForwardPassAndStillCountsAsQueued() throws {
        let harness = try slowService()
        let alone = try Curl.run(upload(SampleRaws.small, harness))
        XCTAssertEqual(alone.status, 200, alone.bodyText)
        XCTAssertEqual(harness.metric("sid_jobs_decoded_ahead_total"), 0, "a job for a free worker is not ahead of anything")

        let running = background(upload(SampleRaws.large, harness))
        waitUntilRunning(harness)
        let queued = background(upload(SampleRaws.small, harness))
        XCTAssertTrue(ServiceHarness.eventually {
            harness.metric("sid_jobs_decoded_ahead_total") == 1 && harness.metric("sid_queue_depth") == 1
        }, "decoded ahead, and still waiting in the queue's count")
        let refused = try Curl.run(upload(SampleRaws.small, harness))
        XCTAssertEqual(refused.status, 503, "the job decoded ahead holds the queue's one place")
        XCTAssertEqual(refused.header("Retry-After"), "2")

        XCTAssertEqual(running()?.status, 200)
        let answer = try XCTUnwrap(queued())
        XCTAssertEqual(answer.status, 200, answer.bodyText)
        XCTAssertEqual(answer.body, alone.body, "the same PNG as the same raw alone")
        let timing = answer.header("Server-Timing") ?? ""
        XCTAssertTrue(timing.contains("decode;dur="), timing)
        XCTAssertTrue(ServiceHarness.eventually {
            harness.metric("sid_queue_depth") == 0 && harness.metric("sid_workers_busy") == 0
                && harness.metric("sid_jobs_total{outcome=\"completed\"}") == 3
        })
    }

    /// A client that leaves while its job waits decoded ahead gets its place back at once; the job never runs.
    func testAClientThatLeavesWhileDecodedAheadGivesUpItsPlace() throws {
        let harness = try slowService()
        let running = background(upload(SampleRaws.large, harness))
        waitUntilRunning(harness)

        let leaving = try uploadOnARawSocket(SampleRaws.small, harness)
        XCTAssertTrue(ServiceHarness.eventually { harness.metric("sid_jobs_decoded_ahead_total") == 1 })
        leaving.close()
        XCTAssertTrue(ServiceHarness.eventually {
            harness.metric("sid_queue_depth") == 0 && harness.metric("sid_jobs_total{outcome=\"cancelled\"}") == 1
        }, "the place is free while the other job still runs")
        let next = background(upload(SampleRaws.small, harness))
        XCTAssertEqual(running()?.status, 200)
        XCTAssertEqual(next()?.status, 200, "the freed place took a job")
        XCTAssertEqual(harness.metric("sid_jobs_total{outcome=\"completed\"}"), 2, "the abandoned job never ran")
    }

    func testAClientThatLeavesWhileQueuedGivesUpItsPlace() throws {
        let harness = try slowService()
        let running = background(upload(SampleRaws.large, harness))
        waitUntilRunning(harness)

        let leaving = try uploadOnARawSocket(SampleRaws.small, harness, requestID: "leaver")
        XCTAssertTrue(ServiceHarness.eventually { harness.metric("sid_queue_depth") == 1 })
        leaving.close()

        XCTAssertTrue(ServiceHarness.eventually {
            harness.metric("sid_queue_depth") == 0 && harness.metric("sid_jobs_total{outcome=\"cancelled\"}") == 1
        }, "the abandoned job leaves the queue")
        XCTAssertEqual(running()?.status, 200)
        XCTAssertEqual(harness.metric("sid_jobs_total{outcome=\"failed\"}"), 0, "every series exists from the start")
        XCTAssertEqual(harness.metric("sid_jobs_total{outcome=\"completed\"}"), 1, "the abandoned job never ran")
        XCTAssertTrue(ServiceHarness.eventually {
            harness.log.requests.contains { $0["request_id"] == "leaver" && $0["status"] == "499" }
        }, "logged as closed by the client")
    }

    func testAJobThatWaitsPastTheRequestTimeoutIsDroppedWith503() throws {
        let harness = try slowService { $0.requestTimeout = .milliseconds(300) }
        let running = background(upload(SampleRaws.large, harness))
        waitUntilRunning(harness)
        let dropped = try Curl.run(upload(SampleRaws.small, harness))
        XCTAssertEqual(dropped.status, 503, dropped.bodyText)
        XCTAssertNotNil(dropped.header("Retry-After"))
        XCTAssertTrue(dropped.bodyText.contains("waited more than 0.3 seconds"), dropped.bodyText)
        XCTAssertEqual(running()?.status, 200)
        XCTAssertEqual(harness.metric("sid_jobs_total{outcome=\"expired\"}"), 1)
    }

    func testShutdownLetsRunningAndQueuedWorkFinish() throws {
        let harness = try slowService()
        let running = background(upload(SampleRaws.large, harness))
        waitUntilRunning(harness)
        let queued = background(upload(SampleRaws.small, harness))
        XCTAssertTrue(ServiceHarness.eventually { harness.metric("sid_queue_depth") == 1 })

        let clean = onNewThread { harness.service.shutdown(grace: .seconds(60)) }
        XCTAssertTrue(ServiceHarness.eventually { harness.service.isDraining })
        XCTAssertThrowsError(try TestSocket(port: harness.port), "no new connections while draining")
        XCTAssertEqual(running()?.status, 200)
        XCTAssertEqual(queued()?.status, 200)
        XCTAssertTrue(clean())
    }
}
