import Foundation
@testable import sid
import SIDRaw
import SIDSamples
import SIDTestSupport
import XCTest

/// The real camera raws through the commands a user runs: `sid pack` and `sid info` agree with each other and with
/// an independent LibRaw binding, `sid serve` answers each over HTTP (curl), camera metadata reaches the PNG as
/// exiftool reads it, and a damaged file is a data error (exit 65, no usage text), not a black PNG.
final class RealRawCommandTests: XCTestCase {
    var directory: URL!
    var sid: CommandRunner!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sid-real-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        sid = CommandRunner(workingDirectory: directory)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func file(_ name: String) -> URL { directory.appendingPathComponent(name) }

    func testPackMatchesTheReferenceAndInfoReportsTheLevelsPackUses() throws {
        for (name, entry) in try RealRaws.reference().files.sorted(by: { $0.key < $1.key }) {
            let path = try RealRaws.path(name)
            let info = try sid.run(["info", path])
            XCTAssertEqual(info.status, 0, info.stderr)
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(json["white_level"] as? Double, Double(entry.white), name)
            XCTAssertEqual((json["black_levels"] as? [Double])?.map { Int($0) }.sorted(), entry.plane_black?.sorted(), name)
            XCTAssertEqual(json["packed_width"] as? Int, entry.packed?[0], name)
            XCTAssertEqual(json["packed_height"] as? Int, entry.packed?[1], name)
            for ratio in RealRaws.ratios {
                let output = "\(name)-\(Int(ratio)).npy"
                let pack = try sid.run(["pack", path, "--ratio", "\(Int(ratio))", "-o", output])
                XCTAssertEqual(pack.status, 0, pack.stderr)
                let array = try NPYArray(parsing: try Data(contentsOf: file(output)))
                XCTAssertEqual(array.shape, [1, 4, entry.packed?[1] ?? 0, entry.packed?[0] ?? 0], name)
                try RealRaws.assertPlanes(array.values, name: name, entry: entry, ratio: ratio)
            }
        }
    }

    func testEveryRealRawIsServedOverHTTP() throws {
        let names = try RealRaws.reference().files.keys.sorted()
        let paths = try names.map { try RealRaws.path($0) }
        var bytes = [UInt8](try RealRaws.data("Canon-PowerShot_G2-CRW_0304.CRW"))
        for index in 1_400_000 ..< 1_410_000 { bytes[index] = UInt8(truncatingIfNeeded: (index * 7919) >> 3) }
        try Data(bytes).write(to: file("damaged.crw"))

        let server = try ServedProcess(["serve", "--workers", "1"], directory: directory)
        defer { server.kill() }
        try server.waitUntilReady()
        for (name, path) in zip(names, paths) {
            let outcome = try curl(["-sS", "-D", "-", "--data-binary", "@\(path)", "-H", "Content-Type: application/octet-stream",
                                    "-o", file("\(name).png").path, "\(server.baseURL)/v1/enhance?ratio=4"])
            XCTAssertTrue(outcome.stdout.hasPrefix("HTTP/1.1 200"), "\(name): \(outcome.stdout) \(outcome.stderr)")
            let png = try PNGDecoder().decode(Array(try Data(contentsOf: file("\(name).png"))))
            XCTAssertGreaterThan(png.width * png.height, 0, name)
        }
        let damaged = try curl(["-sS", "-D", "-", "--data-binary", "@\(file("damaged.crw").path)",
                                "-H", "Content-Type: application/octet-stream", "\(server.baseURL)/v1/enhance?ratio=4"])
        XCTAssertTrue(damaged.stdout.hasPrefix("HTTP/1.1 422"), damaged.stdout)
        XCTAssertTrue(damaged.stdout.contains("The raw's image data is damaged or missing"), damaged.stdout)
        let sensor = try curl(["-sS", "-o", file("strip.png").path, "-w", "%{http_code}", "--data-binary", "@\(paths[0])",
                               "\(server.baseURL)/v1/enhance?ratio=4&orientation=sensor&metadata=strip"])
        XCTAssertEqual(sensor.stdout, "200")
        let stripped = try Data(contentsOf: file("strip.png"))
        XCTAssertNil(stripped.range(of: Data("eXIf".utf8)), "metadata=strip leaves no eXIf chunk")
        let bad = try curl(["-sS", "-w", "%{http_code}", "-o", "/dev/null", "--data-binary", "@\(paths[0])",
                            "\(server.baseURL)/v1/enhance?ratio=4&orientation=sideways"])
        XCTAssertEqual(bad.stdout, "400")
    }

    func testExiftoolReadsTheCameraMetadataFromThePNG() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/exiftool") else {
            throw XCTSkip("exiftool is not installed (scripts/ci/install-deps.sh installs libimage-exiftool-perl)")
        }
        let path = try RealRaws.path("Canon-PowerShot_G2-CRW_0304.CRW")
        XCTAssertEqual(try sid.run(["enhance", path, "--ratio", "4", "-o", "canon.png"]).status, 0)
        XCTAssertEqual(try sid.run(["enhance", path, "--ratio", "4", "-o", "bare.png", "--strip-metadata"]).status, 0)
        let read = try run("/usr/bin/exiftool", ["-j", "-n", "-EXIF:all", file("canon.png").path])
        let tags = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [[String: Any]])?.first)
        XCTAssertEqual(tags["Make"] as? String, "Canon")
        XCTAssertEqual(tags["Model"] as? String, "PowerShot G2")
        XCTAssertEqual(tags["ISO"] as? Int, 50)
        XCTAssertEqual(tags["FNumber"] as? Double, 4)
        XCTAssertEqual(tags["FocalLength"] as? Double, 7)
        XCTAssertEqual(tags["ExposureTime"] as? Double ?? 0, 0.02, accuracy: 0.001)
        XCTAssertEqual(tags["Orientation"] as? Int, 1)
        XCTAssertNotNil(tags["DateTimeOriginal"] as? String)
        XCTAssertEqual(tags["Software"] as? String, "sid (model baseline, ratio 4)")
        let bare = try run("/usr/bin/exiftool", ["-j", "-EXIF:all", file("bare.png").path])
        XCTAssertFalse(bare.stdout.contains("Canon"), bare.stdout)
        // The TIFF output says the same, the exposure in its Exif IFD (issue 15).
        XCTAssertEqual(try sid.run(["enhance", path, "--ratio", "4", "-o", "canon.tiff"]).status, 0)
        let tiff = try run("/usr/bin/exiftool", ["-j", "-n", "-EXIF:all", file("canon.tiff").path])
        let tiffTags = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(tiff.stdout.utf8)) as? [[String: Any]])?.first)
        for key in ["Make", "Model", "ISO", "DateTimeOriginal", "Orientation"] {
            XCTAssertEqual(tiffTags[key].map { "\($0)" }, tags[key].map { "\($0)" }, key)
        }
        // The PNG's EXIF keeps what is not 1/n s to 1/1000 (this camera's 0.01983 s is 0.020 there); libtiff keeps
        // rationals through a float.
        for key in ["FNumber", "FocalLength", "ExposureTime"] {
            let expected = try XCTUnwrap(tags[key] as? Double, key)
            XCTAssertEqual(tiffTags[key] as? Double ?? -1, expected, accuracy: 0.0005 + expected * 1e-6, key)
        }
    }

    func testDataErrorsExit65WithoutUsageText() throws {
        var bytes = [UInt8](try RealRaws.data("Canon-PowerShot_G2-CRW_0304.CRW"))
        for index in 1_400_000 ..< 1_410_000 { bytes[index] = UInt8(truncatingIfNeeded: (index * 7919) >> 3) }
        try Data(bytes).write(to: file("damaged.crw"))
        // A linear (already demosaiced) DNG: LibRaw reads it, no model can take it.
        try Fixtures.customDNG(width: 64, height: 64, photometric: 34892, samplesPerPixel: 3).write(to: file("linear.dng"))
        for arguments in [["enhance", "damaged.crw", "--ratio", "4"], ["pack", "damaged.crw", "--ratio", "4", "-o", "x.npy"],
                          ["enhance", "linear.dng", "--ratio", "4"], ["pack", "linear.dng", "--ratio", "4", "-o", "x.npy"],
                          ["enhance", "damaged.crw", "--ratio", "4", "--decoder", "in-process"]] {
            let outcome = try sid.run(arguments)
            XCTAssertEqual(outcome.status, 65, "\(arguments): \(outcome.stderr)")
            XCTAssertFalse(outcome.stderr.contains("Usage"), "\(arguments): \(outcome.stderr)")
            XCTAssertTrue(outcome.stderr.contains("error:"), outcome.stderr)
        }
        XCTAssertTrue(try sid.run(["enhance", "damaged.crw", "--ratio", "4"]).stderr.contains("damaged or missing"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: file("damaged.png").path), "no black PNG is written")
        // A command-line mistake is still a usage error.
        let usage = try sid.run(["enhance", "damaged.crw", "--ratio", "4", "--orientation", "sideways"])
        XCTAssertEqual(usage.status, 64, usage.stderr)
    }

    /// Issue 14 item 5: `sid info` and `sid pack` read files users point them at; LibRaw runs isolated by default,
    /// so the committed LibRaw crashers end in a message, not a crashed `sid`.
    func testInfoAndPackSurviveTheLibRawCrashers() throws {
        let crashes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/raw-decoder/libraw-crashes")
        for name in ["parseHassyModel-strcat-overflow.dng", "parse_tiff_ifd-segv.dng"] {
            let path = crashes.appendingPathComponent(name).path
            for arguments in [["info", path], ["pack", path, "--ratio", "10", "-o", "x.npy"]] {
                let outcome = try sid.run(arguments)
                XCTAssertEqual(outcome.status, 65, "\(arguments): \(outcome.stderr)")
                XCTAssertTrue(outcome.stderr.contains("the raw decoder crashed on this file"), outcome.stderr)
                XCTAssertFalse(outcome.stderr.contains("Usage"), outcome.stderr)
            }
        }
    }

    private func curl(_ arguments: [String]) throws -> CommandRunner.Outcome {
        // No "Expect: 100-continue", so the first status line is the answer.
        try run("/usr/bin/curl", ["--max-time", "120", "-H", "Expect:"] + arguments)
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> CommandRunner.Outcome {
        try Subprocess.run(executable, arguments)
    }
}
