import Foundation
import SIDTestSupport
import XCTest

/// `sid enhance` over several files and folders: every good file written, bad ones reported and skipped with a
/// summary and exit 65, existing PNGs kept unless --overwrite, one JSON line per file with --json.
final class BatchEnhanceTests: XCTestCase {
    var directory: URL!
    var sid: CommandRunner!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sid-batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("in/sub"), withIntermediateDirectories: true)
        sid = CommandRunner(workingDirectory: directory)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func lines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], String($0))
        }
    }

    func testABatchWritesGoodFilesReportsBadOnesAndKeepsExistingOutputs() throws {
        for (index, name) in ["in/a.dng", "in/sub/b.dng", "loose.dng"].enumerated() {
            XCTAssertEqual(try sid.run(["sample", name, "--width", "96", "--height", "64", "--seed", "\(index + 1)"]).status, 0)
        }
        try Data("not a raw".utf8).write(to: directory.appendingPathComponent("in/sub/broken.dng"))
        try Data("notes".utf8).write(to: directory.appendingPathComponent("in/readme.txt"))

        // Without --recursive only the folder's own raws are taken.
        let flat = try sid.run(["enhance", "in", "--ratio", "10", "--output-dir", "flat", "--json"])
        XCTAssertEqual(flat.status, 0, flat.stderr)
        XCTAssertEqual(try lines(flat.stdout).map { $0["input"] as? String }, ["in/a.dng"])

        let first = try sid.run(["enhance", "loose.dng", "in", "--recursive", "--ratio", "10", "--output-dir", "out", "--json"])
        XCTAssertEqual(first.status, 65, first.stderr)
        XCTAssertFalse(first.stderr.contains("Usage"), first.stderr)
        let records = try lines(first.stdout)
        XCTAssertEqual(records.map { $0["input"] as? String }, ["loose.dng", "in/a.dng", "in/sub/b.dng", "in/sub/broken.dng"])
        XCTAssertEqual(records.map { $0["status"] as? String }, ["written", "written", "written", "failed"])
        XCTAssertEqual(records.map { $0["output"] as? String }, ["out/loose.png", "out/a.png", "out/sub/b.png", nil])
        XCTAssertTrue((records[3]["error"] as? String ?? "").contains("not a camera raw file"), "\(records[3])")
        XCTAssertTrue(first.stderr.contains("4 files"), first.stderr)
        XCTAssertTrue(first.stderr.contains("3 written, 0 kept, 1 failed"), first.stderr)
        for name in ["out/loose.png", "out/a.png", "out/sub/b.png"] {
            let png = try PNGDecoder().decode(Array(try Data(contentsOf: directory.appendingPathComponent(name))))
            XCTAssertEqual([png.width, png.height], [96, 64], name)
        }

        // The same batch again keeps what exists, unless --overwrite.
        let marker = Data("keep me".utf8)
        try marker.write(to: directory.appendingPathComponent("out/a.png"))
        let again = try sid.run(["enhance", "in/a.dng", "--ratio", "10", "--output-dir", "out"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("kept out/a.png"), again.stderr)
        XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent("out/a.png")), marker)
        let overwrite = try sid.run(["enhance", "in/a.dng", "--ratio", "10", "--output-dir", "out", "--overwrite"])
        XCTAssertEqual(overwrite.status, 0, overwrite.stderr)
        XCTAssertTrue(overwrite.stdout.contains("wrote out/a.png"), overwrite.stdout)
        XCTAssertNotEqual(try Data(contentsOf: directory.appendingPathComponent("out/a.png")), marker)

        // The batch's PNG is the single-file command's, byte for byte.
        XCTAssertEqual(try sid.run(["enhance", "in/a.dng", "--ratio", "10", "-o", "single.png"]).status, 0)
        XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent("single.png")),
                       try Data(contentsOf: directory.appendingPathComponent("out/a.png")))
    }

    func testOutputAndSeveralInputsIsAUsageError() throws {
        XCTAssertEqual(try sid.run(["sample", "a.dng", "--width", "64", "--height", "64"]).status, 0)
        let outcome = try sid.run(["enhance", "a.dng", "a.dng", "--ratio", "10", "-o", "x.png"])
        XCTAssertEqual(outcome.status, 64, outcome.stderr)
        XCTAssertTrue(outcome.stderr.contains("--output-dir"), outcome.stderr)
    }
}
