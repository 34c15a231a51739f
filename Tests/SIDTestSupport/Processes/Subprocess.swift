import Foundation

/// Runs a program and collects its output, killing it if it runs past a timeout: the one way the tests start
/// curl, openssl, python and `sid`.
public enum Subprocess {
    public struct Output {
        public var status: Int32
        public var stdoutData: Data
        public var stderrData: Data
        public var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
        public var stderr: String { String(decoding: stderrData, as: UTF8.self) }
    }

    public struct TimedOut: Error, CustomStringConvertible {
        public let command: String
        public var description: String { "\(command) did not finish in time" }
    }

    /// A program started in the background; `finish` collects it.
    public final class Running {
        public let process: Process
        private let command: String
        private let done: DispatchSemaphore
        private let stdout: () -> Data
        private let stderr: () -> Data

        fileprivate init(process: Process, command: String, done: DispatchSemaphore, stdout: @escaping () -> Data,
                         stderr: @escaping () -> Data) {
            self.process = process
            self.command = command
            self.done = done
            self.stdout = stdout
            self.stderr = stderr
        }

        /// Waits for the exit (killing the program after `timeout`) and returns what it wrote.
        public func finish(timeout: TimeInterval = 60) throws -> Output {
            if done.wait(timeout: .now() + timeout) == .timedOut {
                process.terminate()
                _ = done.wait(timeout: .now() + 5)
                throw TimedOut(command: command)
            }
            done.signal()
            return Output(status: process.terminationStatus, stdoutData: stdout(), stderrData: stderr())
        }
    }

    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           directory: URL? = nil, timeout: TimeInterval = 60) throws -> Output {
        try start(executable, arguments, environment: environment, directory: directory).finish(timeout: timeout)
    }

    public static func start(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                             directory: URL? = nil) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
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
        return Running(process: process, command: ([executable] + arguments).joined(separator: " "), done: done,
                       stdout: outData, stderr: errData)
    }
}
