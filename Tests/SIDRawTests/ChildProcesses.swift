import Foundation
import XCTest

/// What the isolation tests check after spawning helpers: this process's descriptors and children, and the
/// `sid` executable that `swift test` builds beside the test bundle.
enum ChildProcesses {
    /// Descriptors open in this process.
    static func openDescriptorCount() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    }

    /// This process's children that still exist (running or zombies), as (pid, state, name) from /proc.
    static func children() -> [(pid: Int, state: String, name: String)] {
        let me = Int(getpid())
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> (Int, String, String)? in
            guard let pid = Int(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, Int(fields[1]) == me else { return nil }
            return (pid, String(fields[0]), String(stat[stat.index(after: open) ..< close]))
        }
    }

    /// The built `sid`: next to the test runner, or failing that .build/debug.
    static func sidExecutable() throws -> String {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("sid").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        XCTFail("no sid executable next to the tests; `swift test` builds it")
        throw XCTSkip("no sid executable")
    }
}
