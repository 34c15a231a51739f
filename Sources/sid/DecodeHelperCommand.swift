import ArgumentParser
import Foundation
import SIDDecoderIsolation

/// The child side of decoder isolation (`IsolatedRawDecoder`): `sid serve` starts this per decode. Hidden from
/// help: it speaks a binary protocol on stdin and stdout, not something to run by hand.
struct DecodeHelperCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode-helper",
        abstract: "Decode one raw from stdin in this process and answer on stdout (used by sid serve).",
        shouldDisplay: false)

    func run() throws {
        let status = DecoderHelper.run()
        if status != 0 { throw ExitCode(status) }
    }
}
