import ArgumentParser
import SIDRaw
import SIDSamples

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write a synthetic dark Bayer DNG (an A7S II-like short exposure), so the demo runs without a camera file.")

    @Argument(help: "Where to write the DNG.")
    var output: String = "dark.dng"

    @Option(help: "Sensor width in pixels.")
    var width: Int = 1424

    @Option(help: "Sensor height in pixels.")
    var height: Int = 1064

    @Option(help: "Seed of the scene and its noise.")
    var seed: UInt64 = 1

    @Flag(help: "Write a Fujifilm X-T2 X-Trans DNG (for sid-fuji) instead of a Sony Bayer one.")
    var xtrans = false

    func validate() throws {
        guard SyntheticScene.sideRange.contains(width), SyntheticScene.sideRange.contains(height) else {
            throw ValidationError("width and height must be between \(SyntheticScene.sideRange.lowerBound) and \(SyntheticScene.sideRange.upperBound) pixels")
        }
    }

    func run() throws {
        let scene = xtrans
            ? SyntheticScene.fujiXTrans(seed: seed, width: width, height: height)
            : SyntheticScene(seed: seed, width: width, height: height)
        try CommandInput.write(try scene.makeDNG(), to: output)
        print("wrote \(output): \(width)x\(height) synthetic dark raw (\(scene.make) \(scene.model), \(scene.sensor.name)); "
              + "try: sid enhance \(output) --ratio auto --output out.png")
    }
}
