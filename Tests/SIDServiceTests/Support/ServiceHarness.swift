import Foundation
import Logging
import SIDEngine
import SIDModel
import SIDNetwork
import SIDRaw
import SIDSamples
import SIDService
import XCTest

/// A running `EnhanceService` on a free port, with a small real U-Net, and the log lines it wrote.
final class ServiceHarness {
    let service: EnhanceService
    let log = LogCapture()

    var port: Int { service.port }
    var baseURL: String { "http://127.0.0.1:\(port)" }
    var adminURL: String { "http://127.0.0.1:\(service.adminPort ?? 0)" }

    /// Starts listening; `load` (default) also loads the registry and waits for the warm-up.
    init(networkWidth: Int = 4, load: Bool = true, configure: (inout ServiceConfiguration) -> Void = { _ in }) throws {
        var configuration = ServiceConfiguration(cores: 2)
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.adminPort = 0
        configuration.workers = 1
        configuration.threadsPerWorker = 1
        // The test runner is not `sid`, so the default helper (/proc/self/exe) cannot decode; the isolation
        // tests point `decoderExecutable` at the built `sid`.
        configuration.decoder = .inProcess
        configure(&configuration)
        let capture = log
        service = EnhanceService(configuration: configuration,
                                 logger: Logger(label: "sid.test") { _ in capture.handler() })
        try service.start()
        if load { try self.load(networkWidth: networkWidth) }
    }

    func load(networkWidth: Int = 4) throws {
        try service.load(Self.registry(width: networkWidth))
    }

    deinit {
        service.shutdown(grace: .seconds(5))
    }

    private static let registries = NSLock()
    private static var registryByWidth: [Int: ModelRegistry] = [:]

    /// A registry whose `sid-sony` is a real U-Net of the given width on synthetic weights, made once per width.
    static func registry(width: Int) -> ModelRegistry {
        registries.lock()
        defer { registries.unlock() }
        if let registry = registryByWidth[width] { return registry }
        let architecture = SIDArchitecture(model: .sony, width: width)
        let registry = ModelRegistry(networks: [SIDModel.sony.rawValue: SyntheticWeights.model(architecture)])
        registryByWidth[width] = registry
        return registry
    }

    /// GET /metrics parsed into `name{labels}` -> value.
    func scrapeMetrics() throws -> [String: Double] {
        let result = try Curl.run(["\(baseURL)/metrics"])
        XCTAssertEqual(result.status, 200)
        return Self.parse(exposition: result.bodyText)
    }

    /// The metrics read in-process, for polling without adding requests.
    func metric(_ key: String) -> Double? {
        Self.parse(exposition: String(decoding: service.metrics.exposition(), as: UTF8.self))[key]
    }

    static func parse(exposition: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = value
        }
        return values
    }

    /// Polls until `condition` holds; false after `timeout`.
    @discardableResult
    static func eventually(timeout: TimeInterval = 10, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try condition()
    }
}

/// Collects log lines in memory.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(level: Logger.Level, message: String, metadata: Logger.Metadata)] = []

    var lines: [(level: Logger.Level, message: String, metadata: Logger.Metadata)] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }

    /// The request log lines.
    var requests: [Logger.Metadata] { lines.filter { $0.message == "request" }.map(\.metadata) }

    func handler() -> LogHandler { Handler(capture: self) }

    fileprivate func append(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) {
        lock.lock()
        entries.append((level, message, metadata))
        lock.unlock()
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            capture.append(event.level, "\(event.message)", metadata.merging(event.metadata ?? [:]) { $1 })
        }
    }
}
