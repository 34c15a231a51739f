import ArgumentParser
import Foundation

/// A file the command could not use (not a raw, damaged, a sensor no model takes): the command line itself was
/// right, so no usage text is printed, and the exit status is 65 (sysexits' EX_DATAERR), not 64 (EX_USAGE, which
/// ArgumentParser uses for command-line mistakes).
enum DataFailure {
    static let exitStatus: Int32 = 65

    /// Prints "error: <message>" on stderr and returns the exit to throw.
    static func exit(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(exitStatus)
    }
}
