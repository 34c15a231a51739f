import Foundation
@testable import SIDDecoderIsolation
import SIDRaw
import SIDTestSupport
import XCTest

/// The real camera raws through the helper process: the same mosaic, metadata and levels as in-process, and the
/// same typed error for a damaged frame (the wire carries it).
final class IsolatedRealRawTests: XCTestCase {
    private func decoder() throws -> IsolatedRawDecoder {
        let memory = DecoderIsolation.memoryLimitSetting() == 0 ? 0 : 1024 << 20
        return IsolatedRawDecoder(isolation: DecoderIsolation(command: [try Executables.faultyDecoder()],
                                                              memoryLimitBytes: memory, timeout: .seconds(60)))
    }

    func testRealRawsDecodeAsInProcessAndTheirMetadataToo() throws {
        let isolated = try decoder()
        for name in try RealRaws.reference().files.keys.sorted() {
            let bytes = try RealRaws.data(name)
            let local = try RawDecoder().decode(bytes)
            let remote = try bytes.withUnsafeBytes { try isolated.decode($0) }
            XCTAssertEqual(remote.metadata, local.metadata, name)
            XCTAssertEqual(remote.pixels, local.pixels, name)
            let metadata = try bytes.withUnsafeBytes { try isolated.metadata($0) }
            XCTAssertEqual(metadata, try RawDecoder().metadata(bytes), name)
            XCTAssertEqual(metadata.blackLevels, local.blackLevels, name)
            XCTAssertEqual(metadata.whiteLevel, local.whiteLevel, name)
        }
    }

    func testADamagedFrameIsTheSameTypedErrorThroughTheHelper() throws {
        var bytes = [UInt8](try RealRaws.data("Canon-PowerShot_G2-CRW_0304.CRW"))
        for index in 1_400_000 ..< 1_410_000 { bytes[index] = UInt8(truncatingIfNeeded: (index * 7919) >> 3) }
        let isolated = try decoder()
        for call in [{ _ = try bytes.withUnsafeBytes { try isolated.decode($0) } },
                     { _ = try bytes.withUnsafeBytes { try isolated.render($0, ratio: .auto) } }] {
            assertRawDecodingError(try call()) { error in
                guard case .damagedImageData = error else { return XCTFail("unexpected \(error)") }
                XCTAssertEqual(error.httpStatusHint, 422)
            }
        }
    }
}
