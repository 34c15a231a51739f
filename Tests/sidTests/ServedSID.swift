import Foundation
import XCTest

/// A `sid serve` child process on a port it picked, found from its "ready" log line; stopped with SIGTERM.
final class ServedSID {
    let process = Process()
    private(set) var url = ""

    init(arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) throws {
        process.executableURL = CommandRunner.binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "SID_WEIGHTS" }
            .merging(environment) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        var log = ""
        while Date() < deadline, process.isRunning {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            log += String(decoding: chunk, as: UTF8.self)
            if let line = log.split(separator: "\n").first(where: { $0.contains("ready") && $0.contains("port=") }),
               let port = line.split(separator: " ").first(where: { $0.hasPrefix("port=") })?.dropFirst(5) {
                url = "http://127.0.0.1:\(port)"
                break
            }
        }
        // Keep draining stderr so the server never blocks on a full pipe.
        err.fileHandleForReading.readabilityHandler = { _ = $0.availableData }
        guard !url.isEmpty else {
            stop()
            throw NotReady(log: log)
        }
    }

    struct NotReady: Error, CustomStringConvertible {
        let log: String
        var description: String { "sid serve did not become ready: \(log)" }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
