import Foundation
import SIDRaw
import SIDSamples

/// Synthetic raws written once per test process, as files curl can upload.
public enum SampleRaws {
    /// 1424x1064, about 3 MB: over curl's 1 MB Expect: 100-continue threshold.
    public static let large = file("large", SyntheticScene(seed: 3, width: 1424, height: 1064))
    /// 256x192, about 100 KB: for tests that only need a valid raw.
    public static let small = file("small", SyntheticScene(seed: 4, width: 256, height: 192))
    /// 30x30: a real DNG LibRaw reads, but smaller than the network accepts (422).
    public static let tiny: String = {
        let data = try! DNGWriter.write(width: 30, height: 30, cfa: .rggb, blackLevels: [512, 512, 512, 512],
                                        whiteLevel: 16383, pixels: [UInt16](repeating: 600, count: 900),
                                        make: "Sony", model: "ILCE-7SM2", exposureTime: 0.1, iso: 3200)
        return write("tiny", data)
    }()

    public static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sid-service-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    public static func data(_ path: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: path) ?? Data())
    }

    /// A file in the test directory holding `bytes`.
    public static func write(_ name: String, _ bytes: Data) -> String {
        let url = directory.appendingPathComponent(name + ".dng")
        try! bytes.write(to: url)
        return url.path
    }

    private static func file(_ name: String, _ scene: SyntheticScene) -> String {
        write(name, try! scene.makeDNG())
    }
}
