import Foundation

/// Marks a fault that happens inside LibRaw with a line on stderr, before AddressSanitizer reports it.
///
/// scripts/ci/fuzz.sh tells LibRaw's crashes (for the decoder-isolation process to contain) from ours by where they
/// happened. A stack trace says so only when it can be unwound, and LibRaw often faults by calling through a wild
/// function pointer (pc 0), where it cannot. The faulting pc, or the return address on top of the stack when the pc
/// is near 0, always can: this handler compares them with where libraw_r is mapped (read from /proc/self/maps
/// beforehand, since a signal handler may not allocate), then hands the signal on to the sanitizer's handler.
enum LibRawFaultMarker {
    /// The line the script looks for.
    static let line = "sid-fuzz: the fault is inside LibRaw\n"

    private static let signals = [SIGSEGV, SIGBUS, SIGFPE, SIGILL]
    /// Indices of rip and rsp in `mcontext_t.gregs` on x86-64 Linux (`REG_RIP`, `REG_RSP`).
    private static let programCounterIndex = 16, stackPointerIndex = 15

    // Everything the handler touches is prepared by `install`.
    nonisolated(unsafe) private static var previous: [sigaction] = []
    nonisolated(unsafe) private static var libRawRanges: [(start: UInt, end: UInt)] = []
    nonisolated(unsafe) private static var message: UnsafeMutablePointer<CChar> = strdup(line)
    nonisolated(unsafe) private static var isInstalled = false

    /// Installs the handler once, after libFuzzer and the sanitizer installed theirs (it chains to them).
    static func install() {
        guard !isInstalled else { return }
        isInstalled = true
        let maps = (try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8)) ?? ""
        for line in maps.split(separator: "\n") where line.contains("libraw_r") {
            let bounds = line.prefix { $0 != " " }.split(separator: "-").compactMap { UInt($0, radix: 16) }
            if bounds.count == 2 { libRawRanges.append((bounds[0], bounds[1])) }
        }
        _ = message
        previous.reserveCapacity(signals.count)
        for signal in signals {
            var action = sigaction.init()
            action.__sigaction_handler.sa_sigaction = { signal, info, context in
                LibRawFaultMarker.handle(signal, info, context)
            }
            action.sa_flags = SA_SIGINFO | SA_ONSTACK
            sigemptyset(&action.sa_mask)
            var replaced = sigaction.init()
            sigaction(signal, &action, &replaced)
            previous.append(replaced)
        }
    }

    private static func handle(_ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?,
                               _ context: UnsafeMutableRawPointer?) {
        if let context, faultIsInLibRaw(context.assumingMemoryBound(to: ucontext_t.self)) {
            _ = write(STDERR_FILENO, message, strlen(message))
        }
        guard let index = signals.firstIndex(of: signal) else { return }
        var handler = previous[index]
        if handler.sa_flags & SA_SIGINFO != 0, let chained = handler.__sigaction_handler.sa_sigaction {
            chained(signal, info, context)
        } else {
            // No sanitizer handler: restore what was there and let the signal take its course.
            sigaction(signal, &handler, nil)
            raise(signal)
        }
    }

    private static func faultIsInLibRaw(_ context: UnsafeMutablePointer<ucontext_t>) -> Bool {
        #if arch(x86_64)
        let (pc, stackPointer) = withUnsafeBytes(of: context.pointee.uc_mcontext.gregs) { registers in
            (registers.load(fromByteOffset: programCounterIndex * 8, as: UInt.self),
             registers.load(fromByteOffset: stackPointerIndex * 8, as: UInt.self))
        }
        if isInLibRaw(pc) { return true }
        // A call through a null (or nearly null) pointer: the caller's return address is on top of the stack.
        guard pc < 0x10000, let top = UnsafePointer<UInt>(bitPattern: stackPointer) else { return false }
        return isInLibRaw(top.pointee)
        #else
        return false // elsewhere the script relies on the stack trace alone
        #endif
    }

    private static func isInLibRaw(_ address: UInt) -> Bool {
        for range in libRawRanges where range.start <= address && address < range.end { return true }
        return false
    }
}
