import Foundation
import SIDTestSupport
import XCTest

/// The real `sid serve` binary as a subprocess: configuration from the environment, SIGTERM with work in flight.
final class ServeCommandTests: XCTestCase {
    /// An environment with no SID_* variables from the caller, plus `extra`.
    private func environment(_ extra: [String: String]) -> [String: String] {
        // A free admin port: tests (and other checkouts) run side by side.
        ServedProcess.environment(["SID_ADMIN_PORT": "0"].merging(extra) { $1 })
    }

    /// The LibRaw crash the fuzzer found, kept in the repository.
    private let crash = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/raw-decoder/libraw-crashes/parse_tiff_ifd-segv.dng")

    func testSIGTERMLetsTheRequestInFlightFinishThenExitsZero() throws {
        // An empty working directory: no weights/, so the service says so and serves the baseline model.
        let directory = SampleRaws.directory.appendingPathComponent("serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = try ServedProcess(["serve"], directory: directory,
                                       environment: ["SID_QUEUE": "3", "SID_GRACE_SECONDS": "20"])
        defer { server.kill() }
        try server.waitUntilReady()
        let port = server.port
        XCTAssertTrue(server.output.contains("queue=3"), "the effective configuration is logged: \(server.output)")
        XCTAssertTrue(server.output.contains("no SID weights found"), server.output)

        let body = SampleRaws.data(SampleRaws.small)
        let socket = try TestSocket(port: port)
        try socket.send("POST /v1/enhance?ratio=100 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
            + "Expect: 100-continue\r\nContent-Length: \(body.count)\r\n\r\n")
        XCTAssertEqual(try socket.readResponse(interim: true).status, 100, "the request is accepted before SIGTERM")
        try socket.send(Array(body[..<(body.count / 2)]))

        server.signal(SIGTERM)
        XCTAssertNotNil(server.waitForLine(containing: "draining", timeout: 10), server.output)
        try socket.send(Array(body[(body.count / 2)...]))
        let response = try socket.readResponse()
        XCTAssertEqual(response.status, 200, response.bodyText)
        XCTAssertEqual(response.headers["x-sid-model"], "baseline")
        XCTAssertEqual(response.headers["connection"], "close")

        XCTAssertEqual(server.waitForExit(timeout: 30), 0, server.output)
        XCTAssertTrue(server.output.contains("clean=true"), server.output)
    }

    /// The default decoder: `sid serve` spawns itself (/proc/self/exe) as the helper, so an upload that crashes
    /// LibRaw gets 422 and the same process answers the next one.
    func testTheDefaultIsolatedDecoderSurvivesAnUploadThatCrashesLibRaw() throws {
        let directory = SampleRaws.directory.appendingPathComponent("serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = try ServedProcess(["serve", "--decoder-timeout", "20"], directory: directory)
        defer { server.kill() }
        try server.waitUntilReady()
        XCTAssertTrue(server.output.contains("decoder=isolated"), server.output)
        XCTAssertTrue(server.output.contains("decoder_timeout_s=20"), server.output)

        let url = server.baseURL
        let crashed = try Curl.run(["--data-binary", "@\(crash.path)", "\(url)/v1/enhance?ratio=100"])
        XCTAssertEqual(crashed.status, 422, crashed.bodyText)
        XCTAssertEqual(crashed.header("Content-Type"), "application/problem+json")
        XCTAssertTrue(crashed.bodyText.contains("SIGSEGV"), crashed.bodyText)
        XCTAssertEqual(try Curl.run(["\(url)/healthz"]).status, 200)
        let good = try Curl.run(["--data-binary", "@\(SampleRaws.small)", "\(url)/v1/enhance?ratio=100"])
        XCTAssertEqual(good.status, 200, good.bodyText)
        XCTAssertEqual(good.header("X-SID-Model"), "baseline")
        let metrics = try Curl.run(["\(url)/metrics"])
        XCTAssertTrue(metrics.bodyText.contains("sid_decoder_failures_total{kind=\"crash\"} 1"), metrics.bodyText)
    }

    /// Upload bytes reach neither the log (even at trace level) nor the disk, whether the upload decodes,
    /// is refused or crashes LibRaw in the helper.
    func testUploadBytesReachNeitherTheLogNorTheDisk() throws {
        let directory = SampleRaws.directory.appendingPathComponent("serve-\(UUID().uuidString)")
        let temporary = directory.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        let server = try ServedProcess(["serve"], directory: directory,
                                       environment: ["SID_LOG_LEVEL": "trace", "TMPDIR": temporary.path])
        defer { server.kill() }
        try server.waitUntilReady()
        let url = "\(server.baseURL)/v1/enhance?ratio=100"

        let marker = "UPLOAD-MARKER-\(UUID().uuidString)"
        let uploads: [(Data, Int)] = [
            (Data(SampleRaws.data(SampleRaws.small)) + Data(marker.utf8), 200),  // a good raw with bytes after its end
            (Data((marker + String(repeating: " not a raw", count: 100)).utf8), 415),
            (try Data(contentsOf: crash) + Data(marker.utf8), 422),
        ]
        for (index, (body, status)) in uploads.enumerated() {
            let file = SampleRaws.directory.appendingPathComponent("marked-\(index)-\(UUID().uuidString)")
            try body.write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let result = try Curl.run(["--data-binary", "@\(file.path)", url])
            XCTAssertEqual(result.status, status, result.bodyText)
            XCTAssertFalse(result.bodyText.contains(marker), "the answer does not echo the upload")
        }
        server.signal(SIGTERM)
        XCTAssertEqual(server.waitForExit(timeout: 30), 0, server.output)
        XCTAssertTrue(server.output.contains("the raw decoder failed"), "the crash was logged: \(server.output.prefix(4000))")
        XCTAssertFalse(server.output.contains(marker), "upload bytes in the log")
        let left = try FileManager.default.subpathsOfDirectory(atPath: directory.path).filter { $0 != "tmp" }
        XCTAssertEqual(left, [], "files written by the service")
    }

    /// A request still uploading when the grace period runs out: the shutdown is unclean and says so in its
    /// exit status, and probes on the admin port answer through the drain.
    func testAnUncleanDrainExitsNonZero() throws {
        let directory = SampleRaws.directory.appendingPathComponent("serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = try ServedProcess(["serve", "--grace-seconds", "1"], directory: directory)
        defer { server.kill() }
        let ready = try XCTUnwrap(server.waitForLine(containing: "] ready", timeout: 60), server.output)
        let port = try XCTUnwrap(ready.components(separatedBy: " ").first { $0.hasPrefix("port=") }
            .flatMap { Int($0.dropFirst(5)) })
        let adminPort = try XCTUnwrap(ready.components(separatedBy: " ").first { $0.hasPrefix("admin_port=") }
            .flatMap { Int($0.dropFirst(11)) })
        let socket = try TestSocket(port: port)
        try socket.send("POST /v1/enhance?ratio=100 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            + "Content-Length: 100000\r\n\r\n")
        XCTAssertEqual(try socket.readResponse(interim: true).status, 100, "accepted before SIGTERM")
        try socket.send("II*\0")
        server.signal(SIGTERM)
        XCTAssertNotNil(server.waitForLine(containing: "draining", timeout: 10), server.output)
        let probe = try Curl.run(["http://127.0.0.1:\(adminPort)/readyz"])
        XCTAssertEqual(probe.status, 503, "readiness during the drain: \(probe.stderr)")
        XCTAssertEqual(try Curl.run(["http://127.0.0.1:\(adminPort)/healthz"]).status, 200)
        XCTAssertEqual(server.waitForExit(timeout: 30), 3, server.output)
        XCTAssertTrue(server.output.contains("clean=false"), server.output)
    }

    /// A `%0a` in a parameter, decoded into an error detail, starts no forged log line: escaped in text logs,
    /// a JSON string in JSON logs.
    func testClientValuesCannotForgeLogLines() throws {
        for format in ["text", "json"] {
            let directory = SampleRaws.directory.appendingPathComponent("serve-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let server = try ServedProcess(["serve", "--log-format", format], directory: directory)
            defer { server.kill() }
            let needle = format == "json" ? "\"message\":\"ready\"" : "] ready"
            let ready = try XCTUnwrap(server.waitForLine(containing: needle, timeout: 60), server.output)
            let port = try XCTUnwrap(ready.components(separatedBy: CharacterSet(charactersIn: " \",:="))
                .drop { $0 != "port" }.dropFirst().first { !$0.isEmpty }.flatMap { Int($0) }, ready)
            let forged = "%0aFORGED%20info%20sid.serve:%20status=200%20[SIDService]%20request"
            for query in ["model=x\(forged)", "ratio=1\(forged)", "bits=8\(forged)", "model=%e2%80%a8FORGED"] {
                let result = try Curl.run(["-g", "--data-binary", "@\(SampleRaws.small)",
                                           "http://127.0.0.1:\(port)/v1/enhance?\(query)"])
                XCTAssertEqual(result.status, 400, result.bodyText)
            }
            server.signal(SIGTERM)
            XCTAssertEqual(server.waitForExit(timeout: 30), 0, server.output)
            let lines = server.output.split(separator: "\n")
            XCTAssertTrue(server.output.contains("FORGED"), "the values are logged (escaped): \(server.output)")
            XCTAssertFalse(lines.contains { $0.hasPrefix("FORGED") || $0.hasPrefix("\u{2028}") }, server.output)
            XCTAssertFalse(server.output.contains("\u{2028}"), server.output)
            if format == "json" {
                for line in lines {
                    XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
                }
            }
        }
    }

    /// SID_API_KEYS_FILE guards /v1/*, SIGHUP rereads it; bound to every address with no keys, sid warns.
    func testAPIKeysReloadOnSIGHUPAndAnOpenBindWithoutKeysWarns() throws {
        let directory = SampleRaws.directory.appendingPathComponent("serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let keys = directory.appendingPathComponent("keys").path
        try "first-key-0123456789\n".write(toFile: keys, atomically: true, encoding: .utf8)
        let server = try ServedProcess(["serve"], directory: directory, environment: [
                                                                "SID_API_KEYS_FILE": keys])
        defer { server.kill() }
        let ready = try XCTUnwrap(server.waitForLine(containing: "] ready", timeout: 60), server.output)
        let port = try XCTUnwrap(ready.components(separatedBy: " ").first { $0.hasPrefix("port=") }
            .flatMap { Int($0.dropFirst(5)) })
        let models = "http://127.0.0.1:\(port)/v1/models"
        XCTAssertEqual(try Curl.run([models]).status, 401)
        XCTAssertEqual(try Curl.run(["-H", "Authorization: Bearer first-key-0123456789", models]).status, 200)
        try "second-key-0123456789\n".write(toFile: keys, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        XCTAssertNotNil(server.waitForLine(containing: "API keys reloaded", timeout: 10), server.output)
        XCTAssertEqual(try Curl.run(["-H", "Authorization: Bearer first-key-0123456789", models]).status, 401)
        XCTAssertEqual(try Curl.run(["-H", "Authorization: Bearer second-key-0123456789", models]).status, 200)
        XCTAssertFalse(server.output.contains("no API keys"), server.output)
        server.signal(SIGTERM)
        XCTAssertEqual(server.waitForExit(timeout: 30), 0, server.output)
        XCTAssertFalse(server.output.contains("key-0123456789"), "keys in the log: \(server.output)")

        let open = try ServedProcess(["serve"], directory: directory, environment: ["SID_HOST": "0.0.0.0", "SID_PORT": "0"])
        defer { open.kill() }
        XCTAssertNotNil(open.waitForLine(containing: "no API keys", timeout: 60), open.output)
        open.signal(SIGTERM)
        XCTAssertEqual(open.waitForExit(timeout: 30), 0, open.output)
    }

    func testAMalformedEnvironmentVariableIsRefusedByName() throws {
        let output = try Subprocess.run(Executables.sid(), ["serve"], environment: environment(["SID_WORKERS": "many"]))
        XCTAssertNotEqual(output.status, 0)
        XCTAssertTrue(output.stderr.contains("SID_WORKERS is \"many\""), output.stderr)
    }

    func testHelpNamesTheEnvironmentVariables() throws {
        let output = try Subprocess.run(Executables.sid(), ["serve", "--help"])
        XCTAssertEqual(output.status, 0)
        for name in ["SID_PORT", "SID_WEIGHTS", "--grace-seconds", "--synthetic-weights", "--tls-cert", "--decoder",
                     "SID_DECODER_MEMORY_MB", "--decoder-timeout"] {
            XCTAssertTrue(output.stdout.contains(name), name)
        }
    }
}
