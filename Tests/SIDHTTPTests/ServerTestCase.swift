import Foundation
import SIDHTTP
import SIDTestSupport
import XCTest

/// Starts servers on 127.0.0.1 with an ephemeral port and stops them after each test.
class ServerTestCase: XCTestCase {
    let handler = TestHandler()
    /// Everything the handler was told after each response.
    var records: TestHandler.Records { handler.records }

    func startServer(_ configure: (inout HTTPServer.Configuration) -> Void = { _ in }) throws -> HTTPServer {
        var configuration = HTTPServer.Configuration(host: "127.0.0.1", port: 0)
        configure(&configuration)
        let server = HTTPServer(configuration: configuration, handler: handler)
        try server.start()
        addTeardownBlock { server.stop() }
        return server
    }

    func url(_ server: HTTPServer, _ path: String) -> String {
        "http://127.0.0.1:\(server.port)\(path)"
    }

    /// A temporary file of pseudo-random bytes, removed after the test.
    func temporaryFile(size: Int) throws -> (path: String, bytes: [UInt8]) {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D ^ UInt64(size)
        let bytes = (0 ..< size).map { _ -> UInt8 in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sid-http-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return (path, bytes)
    }

    /// Polls `condition` until it holds or `timeout` passes.
    func eventually(timeout: TimeInterval = 3, _ condition: () -> Bool) -> Bool {
        let end = Date(timeIntervalSinceNow: timeout)
        while Date() < end {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return condition()
    }

    func requireCurl() throws {
        guard Curl.isAvailable else { throw XCTSkip("/usr/bin/curl is not installed") }
    }
}
