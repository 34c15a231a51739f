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
public final class ServiceHarness {
    public let service: EnhanceService
    public let log = LogCapture()

    public var port: Int { service.port }
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var adminURL: String { "http://127.0.0.1:\(service.adminPort ?? 0)" }

    /// Starts listening; `load` (default) also loads the registry and waits for the warm-up.
    public init(networkWidth: Int = 4, load: Bool = true, configure: (inout ServiceConfiguration) -> Void = { _ in }) throws {
        var configuration = ServiceConfiguration(cores: 2)
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.adminPort = 0
        configuration.workers = 1
        configuration.threadsPerWorker = 1
        // The test runner is not `sid`, so the default helper (/proc/self/exe) cannot decode; the isolation
        // tests point `decoderExecutable` at the built `sid`.
        configuration.decoder = .inProcess
        // Sanitizer runs (scripts/ci/sanitizers.sh) set 0: no limits on isolated decoders, as `sid serve` reads it.
        if ProcessInfo.processInfo.environment["SID_DECODER_MEMORY_MB"] == "0" { configuration.decoderMemoryMegabytes = 0 }
        configure(&configuration)
        let capture = log
        service = EnhanceService(configuration: configuration,
                                 logger: Logger(label: "sid.test") { _ in capture.handler() })
        try service.start()
        if load { try self.load(networkWidth: networkWidth) }
    }

    public func load(networkWidth: Int = 4) throws {
        try service.load(Self.registry(width: networkWidth))
    }

    deinit {
        service.shutdown(grace: .seconds(5))
    }

    private static let registries = NSLock()
    private static var registryByWidth: [Int: ModelRegistry] = [:]

    /// A registry whose `sid-sony` is a real U-Net of the given width on synthetic weights, made once per width.
    public static func registry(width: Int) -> ModelRegistry {
        registries.lock()
        defer { registries.unlock() }
        if let registry = registryByWidth[width] { return registry }
        let architecture = SIDArchitecture(model: .sony, width: width)
        let registry = ModelRegistry(networks: [SIDModel.sony.rawValue: SyntheticWeights.model(architecture)])
        registryByWidth[width] = registry
        return registry
    }

    /// GET /metrics parsed into `name{labels}` -> value.
    public func scrapeMetrics() throws -> [String: Double] {
        let result = try Curl.run(["\(baseURL)/metrics"])
        XCTAssertEqual(result.status, 200)
        return Self.parse(exposition: result.bodyText)
    }

    /// The metrics read in-process, for polling without adding requests.
    public func metric(_ key: String) -> Double? {
        Self.parse(exposition: String(decoding: service.metrics.exposition(), as: UTF8.self))[key]
    }

    public static func parse(exposition: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = value
        }
        return values
    }

    /// Polls until `condition` holds; false after `timeout`.
    @discardableResult
    public static func eventually(timeout: TimeInterval = 10, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try condition()
    }
}
