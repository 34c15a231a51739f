import Foundation
@testable import SIDCheckpoint
import SIDWeights
import SIDTestSupport
import XCTest

final class ZipArchiveTests: XCTestCase {
    func testReadsATorchArchive() throws {
        let file = try MappedFile(path: WeightsFixtures.path("sony_w1_wrapped.pth"))
        let archive = try ZipArchive(bytes: file.bytes)
        let pickle = try XCTUnwrap(archive.entry(named: "sony_w1_wrapped/data.pkl"))
        XCTAssertEqual(Array(try archive.contents(of: pickle).prefix(2)), [0x80, 0x02])
        XCTAssertEqual(String(decoding: try archive.contents(of: try XCTUnwrap(archive.entry(named: "sony_w1_wrapped/byteorder"))),
                              as: UTF8.self), "little")
    }

    func testZip64ExtraFields() throws {
        let payload = Array("zip64 payload".utf8)
        let archive = zip64Archive(name: "a/data.pkl", payload: payload)
        try archive.withUnsafeBytes { bytes in
            let zip = try ZipArchive(bytes: bytes)
            let entry = try XCTUnwrap(zip.entry(named: "a/data.pkl"))
            XCTAssertEqual(entry.uncompressedSize, payload.count)
            XCTAssertEqual(Array(try zip.contents(of: entry)), payload)
        }
    }

    func testDeflatedEntriesAreNamed() throws {
        let file = try MappedFile(path: WeightsFixtures.path("deflated.zip"))
        let archive = try ZipArchive(bytes: file.bytes)
        XCTAssertThrowsError(try archive.contents(of: try XCTUnwrap(archive.entry(named: "archive/data.pkl")))) { error in
            XCTAssertTrue("\(error)".contains("compressed with deflate"), "\(error)")
        }
    }

    func testTruncatedArchive() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: WeightsFixtures.path("sony_w1_wrapped.pth"))))
        try Array(bytes.prefix(bytes.count / 2)).withUnsafeBytes { raw in
            XCTAssertThrowsError(try ZipArchive(bytes: raw)) { error in
                XCTAssertTrue("\(error)".contains("end-of-central-directory"), "\(error)")
            }
        }
    }

    func testCorruptEntryFailsItsCRC() throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: WeightsFixtures.path("sony_w1_wrapped.pth"))))
        try bytes.withUnsafeBytes { raw in
            let entry = try XCTUnwrap(try ZipArchive(bytes: raw).entry(named: "sony_w1_wrapped/data/0"))
            let data = try ZipArchive(bytes: raw).contents(of: entry)
            let offset = data.baseAddress! - raw.baseAddress!
            bytes[offset] ^= 0xFF
        }
        try bytes.withUnsafeBytes { raw in
            let archive = try ZipArchive(bytes: raw)
            XCTAssertThrowsError(try archive.contents(of: try XCTUnwrap(archive.entry(named: "sony_w1_wrapped/data/0")))) { error in
                XCTAssertTrue("\(error)".contains("corrupt"), "\(error)")
            }
        }
    }

    /// One stored entry whose central directory keeps sizes and offset in a zip64 extra field, with a zip64
    /// end record and locator, as writers do for archives over 4 GiB.
    private func zip64Archive(name: String, payload: [UInt8]) -> [UInt8] {
        func u16(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt16(value).littleEndian) { Array($0) } }
        func u32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        func u64(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt64(value).littleEndian) { Array($0) } }
        let nameBytes = Array(name.utf8)
        let crc = CRC32.ieee.checksum(payload)

        var file = u32(0x0403_4B50) + u16(45) + u16(0) + u16(0) + u16(0) + u16(0) + u32(crc)
        file += u32(UInt32(payload.count)) + u32(UInt32(payload.count)) + u16(nameBytes.count) + u16(0) + nameBytes + payload

        let directoryOffset = file.count
        let extra = u16(1) + u16(24) + u64(payload.count) + u64(payload.count) + u64(0)
        file += u32(0x0201_4B50) + u16(45) + u16(45) + u16(0) + u16(0) + u16(0) + u16(0) + u32(crc)
        file += u32(0xFFFF_FFFF) + u32(0xFFFF_FFFF) + u16(nameBytes.count) + u16(extra.count) + u16(0) + u16(0) + u16(0)
        file += u32(0) + u32(0xFFFF_FFFF) + nameBytes + extra
        let directorySize = file.count - directoryOffset

        let zip64EndOffset = file.count
        file += u32(0x0606_4B50) + u64(44) + u16(45) + u16(45) + u32(0) + u32(0) + u64(1) + u64(1)
        file += u64(directorySize) + u64(directoryOffset)
        file += u32(0x0706_4B50) + u32(0) + u64(zip64EndOffset) + u32(1)
        file += u32(0x0605_4B50) + u16(0) + u16(0) + u16(0xFFFF) + u16(0xFFFF) + u32(0xFFFF_FFFF) + u32(0xFFFF_FFFF) + u16(0)
        return file
    }
}
