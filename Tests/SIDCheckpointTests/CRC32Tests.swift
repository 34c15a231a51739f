@testable import SIDCheckpoint
import SIDTestSupport
import XCTest

final class CRC32Tests: XCTestCase {
    func testCastagnoliCheckValue() {
        XCTAssertEqual(CRC32.castagnoli.checksum(Array("123456789".utf8)), 0xE306_9283)
    }

    func testIEEECheckValue() {
        XCTAssertEqual(CRC32.ieee.checksum(Array("123456789".utf8)), 0xCBF4_3926)
    }

    func testCastagnoliOfThirtyTwoZeroBytes() {
        // RFC 3720 (iSCSI) test vector.
        XCTAssertEqual(CRC32.castagnoli.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
    }

    func testMaskedCRCOfFloatZeroMatchesTheRealSonyIndex() {
        // beta1_power and beta2_power are 0.0f in the authors' checkpoint; its index records 0x3a117ba6 for both.
        XCTAssertEqual(CRC32.mask(CRC32.castagnoli.checksum([0, 0, 0, 0])), 0x3A11_7BA6)
    }

    func testSlicedAndBytewisePathsAgreeAtEveryLength() {
        var random = SeededValues(seed: 7)
        let bytes = (0 ..< 67).map { _ in UInt8(truncatingIfNeeded: Int(random.next() * 1000)) }
        for length in 0 ... bytes.count {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes[..<length] {
                crc ^= UInt32(byte)
                for _ in 0 ..< 8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            XCTAssertEqual(CRC32.castagnoli.checksum(Array(bytes[..<length])), ~crc, "length \(length)")
        }
    }
}
