import Foundation

/// Runs the `sid` binary in a working directory, with the caller's environment minus SID_WEIGHTS.
public struct CommandRunner {
    public typealias Outcome = Subprocess.Output

    public let workingDirectory: URL
    public var environment: [String: String] = ProcessInfo.processInfo.environment.filter { $0.key != "SID_WEIGHTS" }

    public init(workingDirectory: URL) {
        self.workingDirectory = workingDirectory
    }

    /// Bench and enhance on the full network are slow in debug builds: the timeout only stops a hung command.
    @discardableResult
    public func run(_ arguments: [String], timeout: TimeInterval = 900) throws -> Outcome {
        try Subprocess.run(Executables.sid(), arguments, environment: environment, directory: workingDirectory,
                           timeout: timeout)
    }
}
