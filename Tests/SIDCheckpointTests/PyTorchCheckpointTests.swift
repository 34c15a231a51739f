import Foundation
@testable import SIDCheckpoint
import SIDWeights
import SIDTestSupport
import XCTest

final class PyTorchCheckpointTests: XCTestCase {
    func testZipCheckpoint() throws {
        let checkpoint = try PyTorchCheckpoint(path: WeightsFixtures.path("sony_w2_zip.pth"))
        XCTAssertEqual(checkpoint.format, .zip)
        try assertMatches(checkpoint, fixture: "sony_w2_zip.pth")
    }

    func testLegacyCheckpointHoldsTheSameValues() throws {
        let checkpoint = try PyTorchCheckpoint(path: WeightsFixtures.path("sony_w2_legacy.pth"))
        XCTAssertEqual(checkpoint.format, .legacy)
        try assertMatches(checkpoint, fixture: "sony_w2_legacy.pth")
        let zip = try PyTorchCheckpoint(path: WeightsFixtures.path("sony_w2_zip.pth")).stateDict()
        XCTAssertEqual(try checkpoint.stateDict(), zip)
    }

    /// Wrapped in {'state_dict': ..., 'epoch': 3}, "module."-prefixed, with permuted, offset, shared and
    /// strided tensors, a Parameter, and an int64 tensor outside the state dict.
    func testWrappedCheckpointWithViews() throws {
        let checkpoint = try PyTorchCheckpoint(path: WeightsFixtures.path("sony_w1_wrapped.pth"))
        try assertMatches(checkpoint, fixture: "sony_w1_wrapped.pth")
        let tensors = try checkpoint.stateDict()
        XCTAssertFalse(tensors.contains { $0.name.hasPrefix("module.") })
        // conv2_2.weight is arange(36) * 0.25 laid out [3, 3, 2, 2] and permuted to [2, 2, 3, 3].
        let permuted = try XCTUnwrap(tensors.first { $0.name == "conv2_2.weight" })
        for o in 0 ..< 2 { for i in 0 ..< 2 { for y in 0 ..< 3 { for x in 0 ..< 3 {
            XCTAssertEqual(permuted.values[((o * 2 + i) * 3 + y) * 3 + x], Float(((y * 3 + x) * 2 + o) * 2 + i) * 0.25)
        } } } }
    }

    func testFujiCheckpointNestedUnderModel() throws {
        try assertMatches(try PyTorchCheckpoint(path: WeightsFixtures.path("fuji_w1_zip.pth")), fixture: "fuji_w1_zip.pth")
    }

    func testHalfPrecisionIsWidenedExactly() throws {
        try assertMatches(try PyTorchCheckpoint(path: WeightsFixtures.path("sony_w1_float16.pth")), fixture: "sony_w1_float16.pth")
        try assertMatches(
            try PyTorchCheckpoint(path: WeightsFixtures.path("sony_w1_bfloat16_legacy.pth")), fixture: "sony_w1_bfloat16_legacy.pth")
    }

    func testDoublePrecisionIsRefusedNamingTheType() throws {
        let checkpoint = try PyTorchCheckpoint(path: WeightsFixtures.path("sony_w1_float64.pth"))
        XCTAssertThrowsError(try checkpoint.stateDict()) { error in
            XCTAssertEqual(error as? CheckpointError, .unsupportedDType(tensor: "conv1_1.weight", dtype: "float64"))
            XCTAssertTrue("\(error)".contains("float64"))
        }
    }

    func testForbiddenGlobalInZipExecutesNothing() throws {
        try? FileManager.default.removeItem(atPath: WeightsFixtures.forbiddenGlobalMarker)
        XCTAssertThrowsError(try PyTorchCheckpoint(path: WeightsFixtures.path("forbidden_global_zip.pth"))) { error in
            XCTAssertEqual(error as? CheckpointError, .forbiddenGlobal("os.system"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: WeightsFixtures.forbiddenGlobalMarker))
    }

    func testForbiddenGlobalInLegacyExecutesNothing() throws {
        // Made with torch.save of an object whose __reduce__ returns (os.system, ...): Python names it posix.system.
        try? FileManager.default.removeItem(atPath: WeightsFixtures.forbiddenGlobalMarker)
        XCTAssertThrowsError(try PyTorchCheckpoint(path: WeightsFixtures.path("forbidden_global_legacy.pth"))) { error in
            XCTAssertEqual(error as? CheckpointError, .forbiddenGlobal("posix.system"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: WeightsFixtures.forbiddenGlobalMarker))
    }

    func testCheckpointWithoutAStateDict() throws {
        let checkpoint = try PyTorchCheckpoint(path: WeightsFixtures.path("no_state_dict.pth"))
        XCTAssertThrowsError(try checkpoint.stateDict()) { error in
            XCTAssertEqual(error as? CheckpointError, .malformedCheckpoint(
                "no state dict containing conv1_1.weight was found (top level: epoch, weights)"))
        }
    }

    func testMissingStorageFile() throws {
        XCTAssertThrowsError(try PyTorchCheckpoint(path: WeightsFixtures.path("missing_storage.pth"))) { error in
            guard case CheckpointError.malformedCheckpoint(let reason)? = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("data/0 is not in the archive"), reason)
        }
    }

    func testFormatDetection() throws {
        for (fixture, format) in [("sony_w2_zip.pth", PyTorchCheckpoint.Format.zip), ("sony_w2_legacy.pth", .legacy)] {
            let file = try MappedFile(path: WeightsFixtures.path(fixture))
            XCTAssertEqual(PyTorchCheckpoint.format(of: file.bytes), format)
        }
        // A plain pickle is not a legacy checkpoint: it lacks the magic number.
        let pickle = try MappedFile(path: WeightsFixtures.path("pickle_protocol2.pkl"))
        XCTAssertNil(PyTorchCheckpoint.format(of: pickle.bytes))
        XCTAssertThrowsError(try PyTorchCheckpoint(path: WeightsFixtures.path("pickle_protocol2.pkl"))) { error in
            guard case CheckpointError.unrecognisedCheckpoint? = error as? CheckpointError else { return XCTFail("\(error)") }
        }
    }

    func testTruncatedLegacyCheckpoint() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("cut.pth")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: WeightsFixtures.path("sony_w2_legacy.pth")))
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try PyTorchCheckpoint(path: path)) { error in
            guard case CheckpointError.truncated? = error as? CheckpointError else { return XCTFail("\(error)") }
        }
    }

    /// Found while fuzzing checkpoints (Fuzz/pytorch-checkpoint/corpus/regression-view-overflow.pth): a legacy storage
    /// view whose offset plus size overflowed Int trapped instead of being refused.
    func testLegacyViewThatOverflowsIsRefused() throws {
        func text(_ string: String) -> [UInt8] { [0x58] + withUnsafeBytes(of: UInt32(string.utf8.count).littleEndian, Array.init) + Array(string.utf8) }
        let twoToThe62: [UInt8] = [0x8A, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x40]
        var bytes: [UInt8] = [0x80, 0x02, 0x8A, 0x0A] + PyTorchCheckpoint.legacyMagicNumber + [0x2E]
        bytes += [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E] // protocol version 1001
        bytes += [0x80, 0x02, 0x7D, 0x2E] // system info
        // ('storage', torch.FloatStorage, 'k', 'cpu', 10, ('k', 2**62, 2**62)) as a persistent id.
        bytes += [0x80, 0x02, 0x28] + text("storage") + Array("ctorch\nFloatStorage\n".utf8) + text("k") + text("cpu")
        bytes += [0x4B, 0x0A] + text("k") + twoToThe62 + twoToThe62 + [0x87, 0x74, 0x51, 0x2E]
        let directory = try TemporaryDirectory()
        let path = directory.path("view.pth")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try PyTorchCheckpoint(path: path)) { error in
            guard case CheckpointError.malformedCheckpoint(let reason)? = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("impossible view"), reason)
        }
    }

    private func assertMatches(_ checkpoint: PyTorchCheckpoint, fixture: String, line: UInt = #line) throws {
        try WeightsFixtures.assertMatchesExpected(try checkpoint.stateDict().map { ($0.name, $0.shape, $0.values) }, fixture: fixture, line: line)
    }
}
