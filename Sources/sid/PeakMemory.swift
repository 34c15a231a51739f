import Foundation

enum PeakMemory {
    /// The process's peak resident set size so far (Linux reports ru_maxrss in kilobytes).
    static func residentMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
