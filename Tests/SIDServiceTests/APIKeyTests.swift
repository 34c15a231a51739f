import Foundation
@testable import SIDService
import SIDTestSupport
import XCTest

/// Who may call /v1/*: API keys from a file, checked on every request, reloaded, limited per key.
final class APIKeyTests: XCTestCase {
    static let alpha = "alpha-key-0123456789"
    static let beta = "beta-key-0123456789abc"
    // printf %s beta-key-0123456789abc | sha256sum
    static let betaHash = APIKeys.digest(beta).map { String(format: "%02x", $0) }.joined()

    private func keysFile(_ text: String) throws -> String {
        let path = SampleRaws.directory.appendingPathComponent("keys-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testV1NeedsAKeyAndProbesDoNot() throws {
        let file = try keysFile("# keys for the tests\n\(Self.alpha)\n\nsha256:\(Self.betaHash)\n")
        let harness = try ServiceHarness { $0.apiKeysFile = file }
        let enhance = "\(harness.baseURL)/v1/enhance?ratio=100"
        let upload = ["--data-binary", "@\(SampleRaws.small)", "-H", "Content-Type: application/octet-stream"]

        let missing = try Curl.run(upload + [enhance])
        XCTAssertEqual(missing.status, 401, missing.bodyText)
        XCTAssertEqual(missing.header("WWW-Authenticate"), "Bearer realm=\"sid\"")
        XCTAssertEqual(missing.header("Content-Type"), "application/problem+json")
        let wrong = try Curl.run(upload + ["-H", "Authorization: Bearer \(Self.alpha)x", enhance])
        XCTAssertEqual(wrong.status, 401, wrong.bodyText)
        XCTAssertEqual(wrong.header("WWW-Authenticate"), "Bearer realm=\"sid\", error=\"invalid_token\"")
        XCTAssertEqual(try Curl.run(["\(harness.baseURL)/v1/models"]).status, 401)

        let bearer = try Curl.run(upload + ["-H", "Authorization: Bearer \(Self.alpha)", enhance])
        XCTAssertEqual(bearer.status, 200, bearer.bodyText)
        let header = try Curl.run(upload + ["-H", "X-API-Key: \(Self.beta)", enhance])
        XCTAssertEqual(header.status, 200, header.bodyText)
        XCTAssertEqual(try Curl.run(["-H", "X-API-Key: \(Self.beta)", "\(harness.baseURL)/v1/models"]).status, 200)

        for url in [harness.baseURL, harness.adminURL] {
            XCTAssertEqual(try Curl.run(["\(url)/healthz"]).status, 200)
            XCTAssertEqual(try Curl.run(["\(url)/readyz"]).status, 200)
            XCTAssertEqual(try Curl.run(["\(url)/metrics"]).status, 200)
        }
        let logged = harness.log.requests.filter { $0["path"]?.description.hasPrefix("/v1/enhance") == true }
        XCTAssertEqual(logged.compactMap { $0["key_id"]?.description },
                       [APIKeys.id(digest: APIKeys.digest(Self.alpha)), APIKeys.id(digest: APIKeys.digest(Self.beta))])
        let everything = harness.log.lines.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        XCTAssertFalse(everything.contains(Self.alpha), "a key in the log")
        XCTAssertFalse(everything.contains(Self.beta), "a key in the log")
    }

    func testReloadingTheFileChangesTheKeysAndABadFileKeepsThem() throws {
        let file = try keysFile(Self.alpha + "\n")
        let harness = try ServiceHarness { $0.apiKeysFile = file }
        let models = "\(harness.baseURL)/v1/models"
        XCTAssertEqual(try Curl.run(["-H", "Authorization: Bearer \(Self.alpha)", models]).status, 200)
        try (Self.beta + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertTrue(harness.service.reloadAPIKeys())
        XCTAssertEqual(try Curl.run(["-H", "Authorization: Bearer \(Self.alpha)", models]).status, 401)
        XCTAssertEqual(try Curl.run(["-H", "Authorization: Bearer \(Self.beta)", models]).status, 200)
        try "short\n".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertFalse(harness.service.reloadAPIKeys())
        XCTAssertEqual(try Curl.run(["-H", "Authorization: Bearer \(Self.beta)", models]).status, 200, "kept")
    }

    func testEachKeyMayHaveOnlySoManyEnhancementsInFlight() throws {
        let file = try keysFile("\(Self.alpha)\n\(Self.beta)\n")
        let decoder = try HangingDecoder()
        let harness = try ServiceHarness { configuration in
            configuration.apiKeysFile = file
            configuration.maxInFlightPerKey = 1
            configuration.queueCapacity = 4
            configuration.decoder = .isolated
            configuration.decoderExecutable = decoder.executable
            configuration.decoderTimeout = .seconds(3)
        }
        decoder.hang()
        let enhance = "\(harness.baseURL)/v1/enhance?ratio=100"
        let first = onNewThread {
            try? Curl.run(["--data-binary", "@\(SampleRaws.small)", "-H", "X-API-Key: \(Self.alpha)", enhance])
        }
        XCTAssertTrue(ServiceHarness.eventually { harness.metric("sid_workers_busy") == 1 })
        let second = try Curl.run(["--data-binary", "@\(SampleRaws.small)", "-H", "X-API-Key: \(Self.alpha)", enhance])
        XCTAssertEqual(second.status, 429, second.bodyText)
        XCTAssertEqual(second.header("Retry-After"), "2")
        // Another key is not held back by the first one's limit: it queues behind the busy worker.
        let other = onNewThread {
            try? Curl.run(["--data-binary", "@\(SampleRaws.small)", "-H", "X-API-Key: \(Self.beta)", enhance])
        }
        XCTAssertTrue(ServiceHarness.eventually { harness.metric("sid_queue_depth") == 1 }, "queued, not refused")
        XCTAssertEqual(first()?.status, 422, "the hanging decode times out")
        XCTAssertNotEqual(other()?.status, 429)
    }

    func testKeysFileFormat() throws {
        XCTAssertThrowsError(try APIKeys(text: "# only a comment\n", source: "f"))
        XCTAssertThrowsError(try APIKeys(text: "short\n", source: "f"))
        XCTAssertThrowsError(try APIKeys(text: "sha256:abc\n", source: "f"))
        let keys = try APIKeys(text: "\(Self.alpha)\nSHA256:\(Self.betaHash.uppercased())\n", source: "f")
        XCTAssertNotNil(keys.identify(Self.alpha))
        XCTAssertNotNil(keys.identify(Self.beta))
        XCTAssertNil(keys.identify("sha256:\(Self.betaHash)"), "the hash is not the key")
        XCTAssertNil(keys.identify(""))
        XCTAssertEqual(APIKeys.presented(authorization: "bearer  k1", apiKeyHeader: "k2"), "k1")
        XCTAssertEqual(APIKeys.presented(authorization: "Basic abc", apiKeyHeader: "k2"), "k2")
    }
}
