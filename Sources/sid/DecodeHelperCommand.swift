import ArgumentParser
import Foundation
import SIDRaw

/// The child side of decoder isolation (`IsolatedRawDecoder`): `sid serve` starts this per decode. Hidden from
/// help: it speaks a binary protocol on stdin and stdout, not something to run by hand.
struct DecodeHelperCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode-helper",
        abstract: "Decode one raw from stdin in this process and answer on stdout (used by sid serve).",
        shouldDisplay: false)

    @Option(help: ArgumentHelp("Test hook: misbehave on purpose (crash, hang, allocate, garbage).", visibility: .private))
    var fault: String?

    func validate() throws {
        if let fault, DecoderFault(rawValue: fault) == nil {
            throw ValidationError("--fault must be one of \(DecoderFault.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let status = DecoderHelper.run(fault: fault.flatMap(DecoderFault.init(rawValue:)))
        if status != 0 { throw ExitCode(status) }
    }
}
