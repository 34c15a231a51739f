import ArgumentParser

@main
struct SID: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sid",
        abstract: "Learning to See in the Dark: camera raw files in, bright clean PNGs out.",
        subcommands: [
            EnhanceCommand.self, ConvertCommand.self, InfoCommand.self,
            SampleCommand.self, BenchCommand.self, ServeCommand.self,
            PackCommand.self,
            DecodeHelperCommand.self,
        ])
}
