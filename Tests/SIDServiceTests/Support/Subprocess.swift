import Foundation

/// Runs a program to completion and collects its output, killing it if it runs past a timeout.
enum Subprocess {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct TimedOut: Error, CustomStringConvertible {
        let command: String
        var description: String { "\(command) did not finish in time" }
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                    timeout: TimeInterval = 60) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        try process.run()
        // Read while it runs, so a chatty child never blocks on a full pipe.
        let outData = onNewThread { stdout.fileHandleForReading.readDataToEndOfFile() }
        let errData = onNewThread { stderr.fileHandleForReading.readDataToEndOfFile() }
        if done.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            _ = done.wait(timeout: .now() + 5)
            throw TimedOut(command: ([executable] + arguments).joined(separator: " "))
        }
        return Output(status: process.terminationStatus, stdout: String(decoding: outData(), as: UTF8.self),
                      stderr: String(decoding: errData(), as: UTF8.self))
    }
}
