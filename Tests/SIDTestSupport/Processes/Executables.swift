import Foundation
import XCTest

/// Finds the executables `swift test` builds beside the test runner (.build/<configuration>/): `sid` and the
/// test-only `sid-faulty-decoder`. The one place that knows where they are.
public enum Executables {
    /// The `sid` binary.
    public static func sid(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try locate("sid", file: file, line: line)
    }

    /// The test-only helper (`Tests/sid-faulty-decoder`): `sid decode-helper`'s code, or with `--fault` one that
    /// crashes, hangs, allocates or answers garbage on purpose.
    public static func faultyDecoder(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try locate("sid-faulty-decoder", file: file, line: line)
    }

    /// The executable `name` in the test runner's directory or one above it; a missing one fails the test, as
    /// `swift test` always builds it.
    public static func locate(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0],
                            relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        XCTFail("no \(name) executable next to the tests; `swift test` builds it", file: file, line: line)
        throw XCTSkip("no \(name) executable")
    }
}
