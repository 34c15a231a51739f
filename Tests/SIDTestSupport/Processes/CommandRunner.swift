import Foundation
import XCTest

/// Runs the `sid` binary in a working directory, with the caller's environment minus SID_WEIGHTS.
public struct CommandRunner {
    public typealias Outcome = Subprocess.Output

    public let workingDirectory: URL
    public var environment: [String: String] = ProcessInfo.processInfo.environment.filter { $0.key != "SID_WEIGHTS" }
    /// Held so that the directory lives as long as a copy of the runner does.
    private let scratch: TemporaryDirectory?

    public init(workingDirectory: URL) {
        self.workingDirectory = workingDirectory
        scratch = nil
    }

    /// A runner in a fresh temporary directory, removed when the last copy of the runner is gone.
    public init() throws {
        let scratch = try TemporaryDirectory()
        self.scratch = scratch
        workingDirectory = scratch.url
    }

    /// Bench and enhance on the full network are slow in debug builds: the timeout only stops a hung command.
    @discardableResult
    public func run(_ arguments: [String], timeout: TimeInterval = 900) throws -> Outcome {
        try Subprocess.run(Executables.sid(), arguments, environment: environment, directory: workingDirectory,
                           timeout: timeout)
    }

    /// Asserts that `sid arguments` fails with `needle` in its message (case-insensitive) and without a crash.
    public func assertRefuses(_ arguments: [String], mentioning needle: String,
                              file: StaticString = #filePath, line: UInt = #line) throws {
        let outcome = try run(arguments)
        XCTAssertNotEqual(outcome.status, 0, arguments.joined(separator: " "), file: file, line: line)
        XCTAssertTrue(outcome.stderr.lowercased().contains(needle), "\(arguments): \(outcome.stderr)", file: file, line: line)
        XCTAssertFalse(outcome.stderr.contains("Fatal error"), outcome.stderr, file: file, line: line)
    }
}
