import Foundation
import SIDDecoderIsolation
import SIDEngine
import SIDModel
import SIDNetwork
import SIDRaw
import SIDTestSupport
import SIDSamples
import XCTest

/// One request, one LibRaw decode: with an isolated decoder, one helper process that receives the upload once,
/// for the baseline as for a network.
final class RawBackendTests: XCTestCase {
    static let sample = try! SyntheticScene(seed: 3, width: 96, height: 80).makeDNG()
    static let tinyNetwork = SyntheticWeights.model(SIDArchitecture(model: .sony, width: 4))

    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sid-backend-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The real helper behind a shell that notes each start in `spawns` and appends everything sent to it to
    /// `received`.
    private func countingIsolation() throws -> (DecoderIsolation, spawns: URL, received: URL) {
        let spawns = directory.appendingPathComponent("spawns"), received = directory.appendingPathComponent("received")
        let script = #"echo spawn >> "$0"; tee -a "$1" | exec "$2""#
        let isolation = DecoderIsolation(
            command: ["/bin/sh", "-c", script, spawns.path, received.path, try Executables.faultyDecoder()],
            memoryLimitBytes: DecoderIsolation.memoryLimitSetting() ?? 1 << 30, timeout: .seconds(30))
        return (isolation, spawns, received)
    }

    private func spawnCount(_ spawns: URL) -> Int {
        ((try? String(contentsOf: spawns, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    private func receivedBytes(_ received: URL) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: received.path)[.size] as? Int ?? -1
    }

    func testTheBaselineCostsOneHelperAndOneUpload() throws {
        for ratio in [ExposureRatio.auto, .fixed(40)] {
            let (isolation, spawns, received) = try countingIsolation()
            defer {
                try? FileManager.default.removeItem(at: spawns)
                try? FileManager.default.removeItem(at: received)
            }
            let enhancer = Enhancer(registry: try ModelRegistry(weightFiles: []), decoding: .isolated(isolation))
            let result = try enhancer.enhance(Self.sample, options: EnhanceOptions(ratio: ratio))
            XCTAssertEqual(result.model, SIDModel.baselineName)
            XCTAssertEqual(spawnCount(spawns), 1, "helpers started for \(ratio)")
            XCTAssertEqual(try receivedBytes(received), DecoderRequest.headerSize + Self.sample.count,
                           "the upload is sent once for \(ratio)")
            if case let .fixed(value) = ratio { XCTAssertEqual(result.ratio, value) }
            XCTAssertEqual(result.ratioWasEstimated, ratio == .auto)
            // Spawning and unpacking count as decoding, LibRaw's processing as the forward stage.
            XCTAssertGreaterThan(result.timings.decode, 0)
            XCTAssertGreaterThan(result.timings.forward, 0)
            XCTAssertEqual(result.timings.pack, 0)
        }
    }

    func testTheIsolatedBaselineMatchesTheInProcessOneIncludingItsAutoRatio() throws {
        let (isolation, _, _) = try countingIsolation()
        let isolated = try Enhancer(registry: try ModelRegistry(weightFiles: []), decoding: .isolated(isolation))
            .enhance(Self.sample, options: EnhanceOptions(ratio: .auto))
        let local = try Enhancer(registry: try ModelRegistry(weightFiles: []))
            .enhance(Self.sample, options: EnhanceOptions(ratio: .auto))
        XCTAssertEqual(isolated.ratio, local.ratio)
        XCTAssertEqual(isolated.ratio, ExposureRatio.estimate(for: try RawDecoder().decode(Self.sample)))
        XCTAssertEqual(isolated.image, local.image)
    }

    func testANetworkRequestCostsOneHelperAndOneUpload() throws {
        let (isolation, spawns, received) = try countingIsolation()
        let registry = ModelRegistry(networks: [SIDModel.sony.rawValue: Self.tinyNetwork])
        let result = try Enhancer(registry: registry, decoding: .isolated(isolation))
            .enhance(Self.sample, options: EnhanceOptions(ratio: .auto))
        XCTAssertEqual(result.model, SIDModel.sony.rawValue)
        XCTAssertEqual(spawnCount(spawns), 1)
        XCTAssertEqual(try receivedBytes(received), DecoderRequest.headerSize + Self.sample.count)
    }

    func testEachStrategyHasItsBackend() {
        XCTAssertTrue(DecodingStrategy.inProcess.backend(maxPixels: 10) is InProcessRawBackend)
        let isolation = DecoderIsolation(command: ["/bin/false"], memoryLimitBytes: 1 << 30, timeout: .seconds(1))
        let backend = DecodingStrategy.isolated(isolation).backend(maxPixels: 10)
        XCTAssertEqual((backend as? IsolatedRawBackend)?.decoder.isolation, isolation)
        XCTAssertEqual((backend as? IsolatedRawBackend)?.decoder.maxPixels, 10)
    }
}
