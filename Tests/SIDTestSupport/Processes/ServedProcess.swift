import Foundation

/// A `sid serve` started as a process, as an operator would, its stdout and stderr collected line by line: start,
/// wait for readiness, signal, stop.
public final class ServedProcess {
    private let process = Process()
    private let condition = NSCondition()
    private var text = ""
    private var ended = false

    /// The port from the "ready" line, once `waitUntilReady` has seen it.
    public private(set) var port = 0
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts `sid` with `arguments` (`serve` first) in `directory`, with no SID_* variables from the caller's
    /// environment but those in `environment`, on 127.0.0.1 and free ports (main and admin) unless `environment`
    /// says otherwise.
    public convenience init(_ arguments: [String], directory: URL, environment: [String: String] = [:]) throws {
        try self.init(executable: Executables.sid(), arguments: arguments, directory: directory,
                      environment: Self.environment(["SID_HOST": "127.0.0.1", "SID_PORT": "0", "SID_ADMIN_PORT": "0"]
                          .merging(environment) { $1 }))
    }

    /// The caller's environment without its SID_* settings, plus `extra`. `SID_DECODER_MEMORY_MB` is kept: the
    /// sanitizer runs (scripts/ci/sanitizers.sh) set it to 0 so that the decoder helper runs without the limits a
    /// sanitizer's shadow memory and report files cannot live under.
    public static func environment(_ extra: [String: String]) -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SID_") || $0.key == "SID_DECODER_MEMORY_MB" }
            .merging(extra) { $1 }
    }

    public init(executable: String, arguments: [String], directory: URL, environment: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = environment
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let data = handle.availableData
                condition.lock()
                if data.isEmpty { ended = true } else { text += String(decoding: data, as: UTF8.self) }
                condition.broadcast()
                condition.unlock()
                if data.isEmpty { return }
            }
        }
    }

    deinit { kill() }

    /// Waits for the "ready" line and returns it, its port kept in `port`; throws if it does not come.
    @discardableResult
    public func waitUntilReady(timeout: TimeInterval = 60) throws -> String {
        guard let ready = waitForLine(containing: "] ready", timeout: timeout) else {
            throw ServedProcessFailure(description: "sid serve did not become ready: \(output)")
        }
        guard let port = ready.components(separatedBy: " ").first(where: { $0.hasPrefix("port=") })
            .flatMap({ Int($0.dropFirst(5)) }) else {
            throw ServedProcessFailure(description: "no port in the ready line: \(ready)")
        }
        self.port = port
        return ready
    }

    /// Everything the process wrote so far.
    public var output: String {
        condition.lock()
        defer { condition.unlock() }
        return text
    }

    public func waitForLine(containing needle: String, timeout: TimeInterval) -> String? {
        let limit = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let line = text.split(separator: "\n").first(where: { $0.contains(needle) }) { return String(line) }
            if ended || !condition.wait(until: limit) { return nil }
        }
    }

    public func signal(_ number: Int32) {
        Foundation.kill(process.processIdentifier, number)
    }

    /// The exit status, or nil if it is still running after `timeout`.
    public func waitForExit(timeout: TimeInterval) -> Int32? {
        let limit = Date(timeIntervalSinceNow: timeout)
        while process.isRunning, Date() < limit { Thread.sleep(forTimeInterval: 0.05) }
        return process.isRunning ? nil : process.terminationStatus
    }

    public func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }
}

public struct ServedProcessFailure: Error, CustomStringConvertible {
    public let description: String
}
