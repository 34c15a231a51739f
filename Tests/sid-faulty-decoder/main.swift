#if canImport(Glibc)
import Glibc
#endif
import SIDDecoderIsolation

// A decoder helper for the isolation tests. With `--fault <kind>` it reads the request and applies its limits as
// `sid decode-helper` does, then misbehaves the way a hostile file can make LibRaw misbehave, before it reads the
// input; without it, it is the real helper.
//   crash     abort(): death by SIGABRT, as glibc's fortify checks kill LibRaw
//   hang      spin on the CPU forever, as a decoding loop that never ends
//   allocate  allocate until the memory limit stops it
//   garbage   write bytes that are not a decoder response, then exit 0

enum Fault: String, CaseIterable {
    case crash, hang, allocate, garbage
}

func misbehave(_ fault: Fault) -> Never {
    switch fault {
    case .crash:
        abort()
    case .hang:
        var spins: UInt64 = 0
        while true { spins &+= 1; if spins == 0 { sched_yield() } }
    case .allocate:
        var blocks: [[UInt8]] = []
        while true { blocks.append([UInt8](repeating: 1, count: 64 << 20)) }
    case .garbage:
        let text = Array("this is not a decoder response\n".utf8)
        _ = text.withUnsafeBytes { try? DecoderHelper.writeFully(STDOUT_FILENO, $0) }
        exit(0)
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
var fault: Fault?
if arguments.count == 2, arguments[0] == "--fault" {
    guard let named = Fault(rawValue: arguments[1]) else {
        let kinds = Fault.allCases.map(\.rawValue).joined(separator: ", ")
        fputs("--fault must be one of \(kinds)\n", stderr)
        exit(64)
    }
    fault = named
} else if !arguments.isEmpty {
    fputs("usage: sid-faulty-decoder [--fault crash|hang|allocate|garbage]\n", stderr)
    exit(64)
}

guard let fault else { exit(DecoderHelper.run()) }
guard let request = DecoderHelper.readRequest(from: STDIN_FILENO) else { exit(DecoderHelper.ExitStatus.badRequest) }
guard DecoderHelper.applyLimits(request) else { exit(DecoderHelper.ExitStatus.limitsRefused) }
misbehave(fault)
