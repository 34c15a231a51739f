import Foundation
import SIDEngine
import SIDImage
import SIDModel
import SIDNetwork
import SIDSamples
import SIDTestSupport
import XCTest

/// `enhance` deflates a PNG's stripes while the network computes the rows below them; the file must be the one the
/// plain encoder makes of the finished image, and a forward pass stopped half way must leave nothing running.
final class EnhancerOverlapTests: XCTestCase {
    private static let network = SyntheticWeights.model(SIDArchitecture(model: .sony, width: 4))
    private static let registry = ModelRegistry(networks: [SIDModel.sony.rawValue: network])
    /// 1424x1064 output: nine stripes of 128 rows, most of them deflated before the last row exists.
    private static let raw = Data(SampleRaws.data(SampleRaws.large))

    func testTheOverlappedPNGIsThePlainEncodersFileAtBothDepths() throws {
        let enhancer = Enhancer(registry: Self.registry, threads: 2)
        for bits in [8, 16] {
            let options = EnhanceOptions(ratio: .fixed(100), bits: bits)
            let decoded = try enhancer.decode(Self.raw, options: options)
            XCTAssertTrue(enhancer.encodesWhileRendering(decoded))
            let plain = try enhancer.encode(enhancer.render(decoded))
            let overlapped = try enhancer.enhance(decoded)
            XCTAssertEqual(overlapped.image, plain.image, "\(bits)-bit")
            XCTAssertEqual(try enhancer.enhance(Self.raw, options: options).image, plain.image, "\(bits)-bit, from bytes")
            XCTAssertEqual(try PNGDecoder().decode(overlapped.image).bitDepth, bits)
        }
    }

    func testOtherFormatsAndTheBaselineAreEncodedAfterTheForwardPass() throws {
        let enhancer = Enhancer(registry: Self.registry)
        var jpeg = EnhanceOptions(ratio: .fixed(100))
        jpeg.format = .jpeg
        XCTAssertFalse(enhancer.encodesWhileRendering(try enhancer.decode(Self.raw, options: jpeg)))
        let baseline = EnhanceOptions(ratio: .fixed(100), model: SIDModel.baselineName)
        XCTAssertFalse(enhancer.encodesWhileRendering(try enhancer.decode(Self.raw, options: baseline)))
    }

    /// Cancelled at some point of the forward pass (before, during or after the stripes start), the call ends
    /// cancelled or whole, never hangs, and the next call on the same buffers gives the same file as before.
    func testACancelledForwardPassStopsTheEncoderAndLeavesTheEnhancerUsable() throws {
        let enhancer = Enhancer(registry: Self.registry, threads: 2)
        let expected = try enhancer.enhance(Self.raw, options: EnhanceOptions(ratio: .fixed(100))).image
        var cancelled = 0
        for delay in [0, 20, 60, 150] {
            var options = EnhanceOptions(ratio: .fixed(100))
            let flag = CancellationFlag()
            options.cancellation = flag
            if delay == 0 { flag.cancel() }
            let canceller = onNewThread {
                usleep(useconds_t(delay * 1000))
                flag.cancel()
            }
            do {
                let whole = try enhancer.enhance(Self.raw, options: options)
                XCTAssertEqual(whole.image, expected)
            } catch UNetError.cancelled {
                cancelled += 1
            }
            canceller()
            XCTAssertEqual(try enhancer.enhance(Self.raw, options: EnhanceOptions(ratio: .fixed(100))).image, expected,
                           "after a cancel at \(delay) ms")
        }
        XCTAssertGreaterThanOrEqual(cancelled, 1, "cancelled before it started, it must not run")
    }
}
