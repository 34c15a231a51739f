import Foundation

/// How to run LibRaw in a separate process: the helper command and the limits it runs under.
public struct DecoderIsolation: Sendable, Equatable {
    /// The executable and its arguments; it must run `DecoderHelper` on its stdin and stdout (`sid decode-helper`).
    public var command: [String]
    /// The helper's address-space limit (RLIMIT_AS) in bytes; with it the helper also forbids itself file writes
    /// (RLIMIT_FSIZE 0) and caps its descriptors. 0 sets none of the three: only for a helper built with a
    /// sanitizer, whose runtime reserves terabytes of shadow address space and writes its report to a file
    /// (scripts/ci/sanitizers.sh sets `SID_DECODER_MEMORY_MB=0`). Core files and CPU time are limited either way.
    public var memoryLimitBytes: Int
    /// Wall-clock time allowed per decode, from spawn to exit; the helper is killed after it.
    public var timeout: Duration

    public init(command: [String], memoryLimitBytes: Int, timeout: Duration) {
        self.command = command
        self.memoryLimitBytes = memoryLimitBytes
        self.timeout = timeout
    }

    /// The running executable's own `decode-helper` mode. /proc/self/exe rather than the path it was started
    /// from: it still names this very binary after a deploy replaces the file, so both ends speak one protocol.
    public static func sidHelper(memoryLimitBytes: Int, timeout: Duration) -> DecoderIsolation {
        DecoderIsolation(command: ["/proc/self/exe", "decode-helper"], memoryLimitBytes: memoryLimitBytes,
                         timeout: timeout)
    }

    /// A memory limit for raws of up to `maxPixels` sensor pixels and uploads of up to `maxInputBytes`: what the
    /// helper was measured to need, with room to spare.
    ///
    /// Measured by bisecting RLIMIT_AS on synthetic DNGs (release and debug builds within 4 MiB): the executable
    /// and its libraries take 124 MiB, the upload its size, a decode 4 bytes per pixel (LibRaw's raw buffer and the visible copy) and a
    /// baseline rendering about 23 (LibRaw's 4-channel working image, its RGB output and the copy handed back):
    /// 192 and 472 MiB for 12.1 megapixels, 508 and 1732 MiB for 67.1. The limit is sized for the baseline.
    public static func defaultMemoryLimit(maxPixels: Int, maxInputBytes: Int) -> Int {
        baseBytes + maxInputBytes + bytesPerPixel * maxPixels
    }

    /// `SID_DECODER_MEMORY_MB` in bytes when it holds a whole number of MiB (0: no limit, for sanitizer runs); nil
    /// when unset, so the caller sizes the limit itself.
    public static func memoryLimitSetting(in environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        guard let text = environment["SID_DECODER_MEMORY_MB"], let megabytes = Int(text.trimmingCharacters(in: .whitespaces)),
              megabytes >= 0 else { return nil }
        return megabytes << 20
    }

    static let baseBytes = 256 << 20
    static let bytesPerPixel = 30

    /// RLIMIT_CPU for the helper: a backstop for when this process is gone and cannot enforce the timeout. LibRaw
    /// may use every core (OpenMP), so CPU time can run ahead of the wall clock by the core count.
    var cpuSeconds: Int {
        let (seconds, attoseconds) = timeout.components
        let wall = Double(seconds) + Double(attoseconds) / 1e18
        return Int((wall * Double(ProcessInfo.processInfo.activeProcessorCount)).rounded(.up)) + 1
    }

    var timeoutSeconds: Double {
        let (seconds, attoseconds) = timeout.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
