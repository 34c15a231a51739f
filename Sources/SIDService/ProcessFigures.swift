import Foundation

/// What the kernel says about this process, for the `process_*` metrics and the idle-memory log line.
struct ProcessFigures {
    var residentBytes: Int
    var openFileDescriptors: Int
    /// User plus system time of every thread so far.
    var cpuSeconds: Double

    static func read() -> ProcessFigures {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count).map { $0 - 1 } ?? 0
        return ProcessFigures(residentBytes: residentBytes(), openFileDescriptors: max(descriptors, 0), cpuSeconds: cpu)
    }

    /// The second field of /proc/self/statm, in pages.
    static func residentBytes() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = Int(statm.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
