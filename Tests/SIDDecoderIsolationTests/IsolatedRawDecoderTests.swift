import Foundation
@testable import SIDDecoderIsolation
import SIDRaw
import SIDTestSupport
import SIDSamples
import XCTest

/// LibRaw in a helper process (`sid-faulty-decoder`, which runs `DecoderHelper` as `sid decode-helper` does): the
/// same answers as in-process for good files, typed errors for files and helpers that crash, hang, allocate
/// without end or talk nonsense, and nothing left behind.
final class IsolatedRawDecoderTests: XCTestCase {
    static let crashes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/raw-decoder/libraw-crashes")

    /// How the test helper misbehaves on purpose (`sid-faulty-decoder --fault`).
    enum Fault: String {
        case crash, hang, allocate, garbage
    }

    /// `SID_DECODER_MEMORY_MB=0` (scripts/ci/sanitizers.sh): the helper gets no memory limit.
    private static let unlimited = DecoderIsolation.memoryLimitSetting() == 0

    private func decoder(fault: Fault? = nil, memoryMegabytes: Int = 1024, timeout: Duration = .seconds(30),
                         maxPixels: Int = 100_000_000) throws -> IsolatedRawDecoder {
        let command = [try Executables.faultyDecoder()] + (fault.map { ["--fault", $0.rawValue] } ?? [])
        let memory = Self.unlimited ? 0 : memoryMegabytes << 20
        return IsolatedRawDecoder(isolation: DecoderIsolation(command: command, memoryLimitBytes: memory,
                                                              timeout: timeout), maxPixels: maxPixels)
    }

    private func assertSame(_ a: RawImage, _ b: RawImage, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.metadata, b.metadata, file: file, line: line)
        XCTAssertEqual(a.mosaic, b.mosaic, file: file, line: line)
        XCTAssertEqual(a.pixels, b.pixels, file: file, line: line)
    }

    /// The sanitizers' shadow memory leaves no room for an address-space limit, so their runs set none.
    private func skipUnderSanitizers() throws {
        if Self.unlimited { throw XCTSkip("no memory limit (SID_DECODER_MEMORY_MB=0, as under a sanitizer)") }
    }

    // MARK: - Good files

    func testABayerRawDecodesAsInProcess() throws {
        let dng = try SyntheticScene(seed: 3, width: 200, height: 150).makeDNG()
        assertSame(try dng.withUnsafeBytes { try decoder().decode($0) }, try RawDecoder().decode(dng))
    }

    func testAnXTransRawDecodesAsInProcess() throws {
        let dng = try SyntheticScene.fujiXTrans(seed: 5, width: 150, height: 120).makeDNG()
        assertSame(try dng.withUnsafeBytes { try decoder().decode($0) }, try RawDecoder().decode(dng))
    }

    func testTheBaselineRendersAsInProcess() throws {
        let dng = try SyntheticScene(seed: 4, width: 96, height: 64).makeDNG()
        let isolated = try dng.withUnsafeBytes { try decoder().render($0, ratio: .fixed(50)) }
        let local = try BaselineRenderer().render(dng, ratio: .fixed(50))
        XCTAssertEqual([isolated.image.width, isolated.image.height], [local.image.width, local.image.height])
        XCTAssertEqual(isolated.image.pixels, local.image.pixels)
        XCTAssertEqual(isolated.metadata, local.metadata)
        XCTAssertEqual(isolated.mosaic, local.mosaic)
        XCTAssertEqual(isolated.ratio, 50)
        XCTAssertThrowsError(try dng.withUnsafeBytes { try decoder().render($0, ratio: .fixed(0)) }) {
            XCTAssertEqual($0 as? ExposureRatioError, .invalid("0.0"))
        }
    }

    /// `auto` is estimated in the helper from the mosaic it decoded for the rendering, as the engine would from a
    /// separate decode.
    func testTheBaselineEstimatesAutoFromItsOwnDecode() throws {
        let dng = try SyntheticScene(seed: 4, width: 96, height: 64).makeDNG()
        let expected = ExposureRatio.estimate(for: try RawDecoder().decode(dng))
        let isolated = try dng.withUnsafeBytes { try decoder().render($0, ratio: .auto) }
        XCTAssertEqual(isolated.ratio, expected)
        XCTAssertEqual(isolated.image.pixels, try BaselineRenderer().render(dng, ratio: .fixed(expected)).image.pixels)
    }

    func testTheFilesOwnErrorsComeBackTyped() throws {
        let text = Data("hello, this is not a photograph\n".utf8)
        assertRawDecodingError(try text.withUnsafeBytes { try decoder().decode($0) }) { error in
            guard case .notARawFile(detectedFormat: "text", _) = error else { return XCTFail("\(error)") }
        }
        let dng = try SyntheticScene(seed: 3, width: 200, height: 150).makeDNG()
        assertRawDecodingError(try dng.withUnsafeBytes { try decoder(maxPixels: 1000).decode($0) }) {
            XCTAssertEqual($0, .tooManyPixels(width: 200, height: 150, limit: 1000))
        }
        assertRawDecodingError(try decoder().decode(UnsafeRawBufferPointer(start: nil, count: 0))) {
            XCTAssertEqual($0, .emptyInput)
        }
    }

    // MARK: - Files that crash LibRaw

    func testEachCommittedLibRawCrashIsATypedError() throws {
        let expected = ["parseHassyModel-strcat-overflow.dng": SIGABRT, "parse_tiff_ifd-segv.dng": SIGSEGV]
        for (name, signal) in expected {
            let bytes = try Data(contentsOf: Self.crashes.appendingPathComponent(name))
            assertRawDecodingError(try bytes.withUnsafeBytes { try decoder().decode($0) }) { error in
                XCTAssertEqual(error, .decoderCrashed(signal: signal), name)
                XCTAssertEqual(error.httpStatusHint, 422)
                XCTAssertEqual(error.decoderFailureKind, "crash")
                XCTAssertTrue(error.description.contains("crashed on this file"), error.description)
            }
        }
    }

    // MARK: - Helpers that misbehave

    func testACrashBeforeReadingALargeInputIsACrashNotABrokenPipe() throws {
        // 16 MiB cannot fit in the socket buffer: the write is cut short by the helper's death.
        let large = [UInt8](repeating: 0x49, count: 16 << 20)
        assertRawDecodingError(try large.withUnsafeBytes { try decoder(fault: .crash).decode($0) }) {
            XCTAssertEqual($0, .decoderCrashed(signal: SIGABRT))
        }
    }

    func testAHangIsKilledAtTheTimeout() throws {
        let started = ContinuousClock.now
        assertRawDecodingError(try [UInt8](repeating: 1, count: 100).withUnsafeBytes {
            try decoder(fault: .hang, timeout: .milliseconds(800)).decode($0)
        }) { error in
            XCTAssertEqual(error, .decoderTimedOut(seconds: 0.8))
            XCTAssertEqual(error.decoderFailureKind, "timeout")
            XCTAssertEqual(error.httpStatusHint, 422)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10))
    }

    func testRunawayAllocationStopsAtTheMemoryLimit() throws {
        try skipUnderSanitizers()
        assertRawDecodingError(try [UInt8](repeating: 1, count: 100).withUnsafeBytes {
            try decoder(fault: .allocate, memoryMegabytes: 512).decode($0)
        }) { error in
            XCTAssertEqual(error, .decoderOutOfMemory(limitMegabytes: 512))
            XCTAssertEqual(error.decoderFailureKind, "memory")
        }
    }

    func testADecodeNeedingMoreThanTheLimitIsOutOfMemory() throws {
        try skipUnderSanitizers()
        // 4000x3000 is 24 MB four times over (the upload, LibRaw's copy, the decoded pixels, the answer): about
        // 96 MiB on top of the executable's own 60-125 MiB (release to debug), so 140 MiB cannot hold it all.
        // Not one constant value: a frame that holds no image is refused as damaged before any of this matters.
        let dng = try Fixtures.dng(width: 4000, height: 3000,
                                   pixels: (0 ..< 4000 * 3000).map { UInt16(600 + $0 % 7) })
        let lean = try decoder(memoryMegabytes: 140)
        assertRawDecodingError(try dng.withUnsafeBytes { try lean.decode($0) }) {
            XCTAssertEqual($0, .decoderOutOfMemory(limitMegabytes: 140))
        }
        XCTAssertEqual(try dng.withUnsafeBytes { try decoder().decode($0) }.pixels.count, 4000 * 3000,
                       "the same file decodes under the default limit")
    }

    func testAMalformedAnswerIsAMalfunction() throws {
        assertRawDecodingError(try [UInt8](repeating: 1, count: 100).withUnsafeBytes {
            try decoder(fault: .garbage).decode($0)
        }) { error in
            guard case let .decoderMalfunction(reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("malformed answer"), reason)
            XCTAssertEqual(error.httpStatusHint, 500)
        }
    }

    func testAHelperThatIsNotOneIsAMalfunction() throws {
        let notAHelper = IsolatedRawDecoder(isolation: DecoderIsolation(command: ["/bin/false"], memoryLimitBytes: 1 << 30,
                                                                        timeout: .seconds(5)))
        assertRawDecodingError(try [UInt8](repeating: 1, count: 100).withUnsafeBytes { try notAHelper.decode($0) }) {
            XCTAssertEqual($0, .decoderMalfunction(reason: "it exited with status 1 without an answer"))
        }
        let missing = IsolatedRawDecoder(isolation: DecoderIsolation(command: ["/nonexistent/sid"], memoryLimitBytes: 1 << 30,
                                                                     timeout: .seconds(5)))
        assertRawDecodingError(try [UInt8](repeating: 1, count: 100).withUnsafeBytes { try missing.decode($0) }) { error in
            XCTAssertTrue(error.description.contains("cannot start /nonexistent/sid"), error.description)
        }
    }

    func testNoDescriptorsOrChildrenAreLeftBehind() throws {
        let dng = try SyntheticScene(seed: 3, width: 64, height: 64).makeDNG()
        let crash = try Data(contentsOf: Self.crashes.appendingPathComponent("parse_tiff_ifd-segv.dng"))
        _ = try dng.withUnsafeBytes { try decoder().decode($0) }
        let descriptors = try ChildProcesses.openDescriptorCount()
        _ = try dng.withUnsafeBytes { try decoder().decode($0) }
        _ = try? crash.withUnsafeBytes { try decoder().decode($0) }
        _ = try? dng.withUnsafeBytes { try decoder(fault: .garbage).decode($0) }
        _ = try? dng.withUnsafeBytes { try decoder(fault: .hang, timeout: .milliseconds(200)).decode($0) }
        XCTAssertEqual(try ChildProcesses.openDescriptorCount(), descriptors)
        XCTAssertEqual(ChildProcesses.children().filter { $0.name == "sid" }.map(\.pid), [])
    }
}
