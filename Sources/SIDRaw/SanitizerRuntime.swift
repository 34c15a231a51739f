#if canImport(Glibc)
import Glibc
#endif

/// Whether this process runs under AddressSanitizer or ThreadSanitizer (the test suite's `scripts/sanitizers.sh`).
///
/// Their runtimes reserve terabytes of shadow address space, so no RLIMIT_AS leaves them room, and they write
/// their reports to files; the decoder helper therefore leaves its memory and file-size limits off under them.
enum SanitizerRuntime {
    static let isPresent: Bool = ["__asan_init", "__tsan_init"].contains { (symbol: String) in dlsym(nil, symbol) != nil }
}
