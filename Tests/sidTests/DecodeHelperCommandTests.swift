import Foundation
import SIDTestSupport
import XCTest

/// `sid decode-helper` and the `sid enhance` paths that use it.
final class DecodeHelperCommandTests: XCTestCase {
    var sid: CommandRunner!
    var directory: URL { sid.workingDirectory }

    static let crashes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/raw-decoder/libraw-crashes")

    override func setUpWithError() throws {
        sid = try CommandRunner()
    }

    override func tearDown() {
        sid = nil
    }

    func testEnhanceMakesTheSamePNGIsolatedAndInProcess() throws {
        XCTAssertEqual(try sid.run(["sample", "dark.dng", "--width", "160", "--height", "120"]).status, 0)
        let isolated = try sid.run(["enhance", "dark.dng", "--ratio", "100", "--output", "isolated.png"])
        XCTAssertEqual(isolated.status, 0, isolated.stderr)
        let local = try sid.run(["enhance", "dark.dng", "--ratio", "100", "--decoder", "in-process",
                                 "--output", "local.png"])
        XCTAssertEqual(local.status, 0, local.stderr)
        XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent("isolated.png")),
                       try Data(contentsOf: directory.appendingPathComponent("local.png")))
    }

    func testEnhanceReportsAFileThatCrashesLibRawAndLeavesNoCoreFile() throws {
        for name in ["parseHassyModel-strcat-overflow.dng", "parse_tiff_ifd-segv.dng"] {
            let outcome = try sid.run(["enhance", Self.crashes.appendingPathComponent(name).path, "--ratio", "10",
                                       "--output", "out.png"])
            XCTAssertNotEqual(outcome.status, 0)
            XCTAssertTrue(outcome.stderr.contains("the raw decoder crashed on this file"), outcome.stderr)
            // The helper's own crash report (with its register dump) never reaches the user.
            XCTAssertFalse(outcome.stderr.contains("Backtracing"), outcome.stderr)
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        XCTAssertEqual(left, [], "the helper wrote files: \(left)")
    }

    func testTheHelperRefusesARequestItCannotReadAndHasNoFaultHook() throws {
        let empty = try Subprocess.run(Executables.sid(), ["decode-helper"])
        XCTAssertEqual(empty.status, 2, "no request header on stdin")
        XCTAssertEqual(empty.stdoutData, Data())
        // Misbehaving on purpose is the test-only `sid-faulty-decoder`'s job, not something `sid` ships.
        let hook = try sid.run(["decode-helper", "--fault", "crash"])
        XCTAssertNotEqual(hook.status, 0)
        XCTAssertTrue(hook.stderr.contains("--fault"), hook.stderr)
        let faulty = try Subprocess.run(Executables.faultyDecoder(), ["--fault", "explode"])
        XCTAssertNotEqual(faulty.status, 0)
        XCTAssertTrue(faulty.stderr.contains("--fault must be one of crash, hang, allocate, garbage"), faulty.stderr)
        XCTAssertFalse(try sid.run(["enhance", "x.dng", "--ratio", "1", "--decoder", "elsewhere"]).stderr.isEmpty)
    }

    func testTheHelperIsHiddenFromHelp() throws {
        let help = try sid.run(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("enhance"), help.stdout)
        XCTAssertFalse(help.stdout.contains("decode-helper"), help.stdout)
    }
}
