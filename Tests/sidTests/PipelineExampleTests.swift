import Foundation
import SIDTestSupport
import XCTest

/// examples/pipeline.py, the reference client, against a real `sid serve` with a queue small enough that its
/// concurrent uploads get 503 + Retry-After: everything ends up enhanced, a bad raw is reported and the run resumes.
final class PipelineExampleTests: XCTestCase {
    private let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/pipeline.py").path

    private func requireRequests() throws {
        guard (try? Subprocess.run("/usr/bin/python3", ["-c", "import requests"]))?.status == 0 else {
            throw XCTSkip("python3-requests is missing: scripts/ci/install-deps.sh installs it")
        }
    }

    func testEnhancesAFolderHonoursRetryAfterAndResumes() throws {
        try requireRequests()
        let directory = SampleRaws.directory.appendingPathComponent("pipeline-\(UUID().uuidString)")
        let raws = directory.appendingPathComponent("raws")
        let out = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: raws, withIntermediateDirectories: true)
        let good = (1...6).map { "frame\($0)" }
        for name in good {
            try FileManager.default.copyItem(atPath: SampleRaws.small, toPath: raws.appendingPathComponent(name + ".dng").path)
        }
        // A real DNG smaller than the network takes: 422, reported, and not written.
        try FileManager.default.copyItem(atPath: SampleRaws.tiny, toPath: raws.appendingPathComponent("tiny.dng").path)
        try Data("not a raw".utf8).write(to: raws.appendingPathComponent("notes.txt"))

        let server = try ServedProcess(["serve"], directory: directory,
                                       environment: ["SID_QUEUE": "1", "SID_WORKERS": "1", "SID_THREADS": "1"])
        defer { server.kill() }
        try server.waitUntilReady()

        let first = try Subprocess.run("/usr/bin/python3", [script, raws.path, out.path, "--url", server.baseURL,
                                                            "--concurrency", "4", "--bits", "16"], timeout: 300)
        XCTAssertEqual(first.status, 1, "a raw failed, so the run says so: \(first.stdout)\(first.stderr)")
        XCTAssertTrue(first.stdout.contains("7 raws, 0 already done, 7 to enhance"), first.stdout)
        XCTAssertTrue(first.stdout.contains("summary: done=6 failed=1 skipped=0"), first.stdout)
        XCTAssertTrue(first.stdout.contains("failed tiny.dng: 422"), first.stdout)
        // Four uploads at once against one worker and one queue slot: some are refused and retried after the
        // service's Retry-After (2 s for a full queue).
        XCTAssertTrue(first.stdout.contains(": 503, Retry-After 2, waiting"), first.stdout)
        XCTAssertFalse(first.stdout.contains("retries=0 "), first.stdout)

        for name in good {
            let image = out.appendingPathComponent(name + ".png")
            let png = SampleRaws.data(image.path)
            let decoded = try PNGDecoder().decode(png)
            XCTAssertEqual(decoded.bitDepth, 16, name)
            let sidecar = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: image.path + ".json")))
                as? [String: Any]
            XCTAssertEqual(sidecar?["model"] as? String, "baseline", name)
            XCTAssertEqual(sidecar?["media_type"] as? String, "image/png", name)
            XCTAssertEqual(sidecar?["bytes"] as? Int, png.count, name)
            XCTAssertEqual(sidecar?["ratio_source"] as? String, "auto", name)
            XCTAssertNotNil(sidecar?["request_id"] as? String, name)
        }
        let written = try FileManager.default.contentsOfDirectory(atPath: out.path)
        XCTAssertFalse(written.contains { $0.hasSuffix(".part") || $0.hasPrefix("tiny") }, "\(written)")

        // A second run redoes only what is missing: the tiny raw, which fails again.
        let image = out.appendingPathComponent("frame1.png")
        let before = try FileManager.default.attributesOfItem(atPath: image.path)[.modificationDate] as? Date
        let second = try Subprocess.run("/usr/bin/python3", [script, raws.path, out.path, "--url", server.baseURL,
                                                             "--bits", "16"], timeout: 120)
        XCTAssertEqual(second.status, 1, second.stdout)
        XCTAssertTrue(second.stdout.contains("7 raws, 6 already done, 1 to enhance"), second.stdout)
        XCTAssertTrue(second.stdout.contains("summary: done=0 failed=1 skipped=6"), second.stdout)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: image.path)[.modificationDate] as? Date, before)

        // Removing a sidecar (a run killed between the two writes) makes that raw pending again.
        try FileManager.default.removeItem(atPath: image.path + ".json")
        try FileManager.default.removeItem(at: raws.appendingPathComponent("tiny.dng"))
        let third = try Subprocess.run("/usr/bin/python3", [script, raws.path, out.path, "--url", server.baseURL,
                                                            "--bits", "16"], timeout: 120)
        XCTAssertEqual(third.status, 0, third.stdout + third.stderr)
        XCTAssertTrue(third.stdout.contains("summary: done=1 failed=0 skipped=5"), third.stdout)

        // Another format is another set of outputs: JPEG through Accept, named .jpg, decodable.
        let jpegs = directory.appendingPathComponent("jpeg")
        let fourth = try Subprocess.run("/usr/bin/python3", [script, raws.path, jpegs.path, "--url", server.baseURL,
                                                             "--format", "jpeg", "--quality", "80"], timeout: 120)
        XCTAssertEqual(fourth.status, 0, fourth.stdout + fourth.stderr)
        XCTAssertTrue(fourth.stdout.contains("summary: done=6 failed=0 skipped=0"), fourth.stdout)
        let jpeg = SampleRaws.data(jpegs.appendingPathComponent("frame1.jpg").path)
        XCTAssertEqual(Array(jpeg.prefix(3)), [0xFF, 0xD8, 0xFF])
        XCTAssertEqual(try PillowProbe.probe(jpeg).format, "JPEG")
    }
}
