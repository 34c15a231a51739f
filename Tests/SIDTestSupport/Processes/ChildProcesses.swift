import Foundation

/// What the isolation tests check after spawning helpers: this process's descriptors and children.
public enum ChildProcesses {
    /// Descriptors open in this process.
    public static func openDescriptorCount() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    }

    /// This process's children that still exist (running or zombies), as (pid, state, name) from /proc.
    public static func children() -> [(pid: Int, state: String, name: String)] {
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
}
