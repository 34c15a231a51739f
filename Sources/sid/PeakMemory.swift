import Foundation

enum PeakMemory {
    /// The process's peak resident set size so far: VmHWM, else ru_maxrss (both in kilobytes on Linux).
    ///
    /// ru_maxrss is not enough on its own: Linux carries the high-water mark of the memory a process had
    /// before exec into it, so a `sid` spawned (vfork + exec) by a 300 MB Python script reports at least
    /// 300 MB. VmHWM belongs to this program's own address space.
    static func residentMegabytes() -> Double {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kilobytes = Double(line.dropFirst("VmHWM:".count).split(separator: " ").first ?? "") {
            return kilobytes / 1024
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
