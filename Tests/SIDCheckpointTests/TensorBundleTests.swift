import Foundation
@testable import SIDCheckpoint
import SIDTestSupport
import XCTest

final class TensorBundleTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var prefix: String { directory.path("model.ckpt") }

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    override func tearDown() {
        directory = nil
    }

    func testReadsWhatWasWritten() throws {
        let tensors = TensorBundleFixtureWriter.sidModel(width: 2, inputChannels: 4, outputChannels: 12, seed: 1)
        try TensorBundleFixtureWriter.write(tensors, prefix: prefix)
        let bundle = try TensorBundle(prefix: prefix)
        XCTAssertEqual(bundle.entries.map(\.name), tensors.map(\.name).sorted())
        for tensor in tensors {
            let entry = try XCTUnwrap(bundle.entries.first { $0.name == tensor.name })
            XCTAssertEqual(entry.shape, tensor.shape)
            XCTAssertEqual(try bundle.floats(of: entry), tensor.values, tensor.name)
        }
    }

    func testCorruptedDataByteNamesTheTensor() throws {
        let tensors = TensorBundleFixtureWriter.sidModel(width: 2, inputChannels: 4, outputChannels: 12, seed: 2)
        try TensorBundleFixtureWriter.write(tensors, prefix: prefix)
        let entry = try XCTUnwrap(try TensorBundle(prefix: prefix).entries.first { $0.name == "g_conv3_1/weights" })
        let dataURL = URL(fileURLWithPath: TensorBundle.dataPath(prefix: prefix, shard: 0, of: 1))
        var data = try Data(contentsOf: dataURL)
        data[entry.offset + 17] ^= 0x01
        try data.write(to: dataURL)

        let bundle = try TensorBundle(prefix: prefix)
        XCTAssertThrowsError(try bundle.floats(of: entry)) { error in
            guard case CheckpointError.checksumMismatch(let tensor, let stored, _)? = error as? CheckpointError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(tensor, "g_conv3_1/weights")
            XCTAssertEqual(stored, entry.maskedCRC32C)
        }
        let untouched = try XCTUnwrap(bundle.entries.first { $0.name == "g_conv3_2/weights" })
        XCTAssertNoThrow(try bundle.floats(of: untouched))
    }

    func testTruncatedDataFile() throws {
        try TensorBundleFixtureWriter.write(TensorBundleFixtureWriter.sidModel(width: 1, inputChannels: 4, outputChannels: 12, seed: 3), prefix: prefix)
        let dataURL = URL(fileURLWithPath: TensorBundle.dataPath(prefix: prefix, shard: 0, of: 1))
        try Data(try Data(contentsOf: dataURL).prefix(1000)).write(to: dataURL)
        let bundle = try TensorBundle(prefix: prefix)
        let last = try XCTUnwrap(bundle.entries.max { $0.offset < $1.offset })
        XCTAssertThrowsError(try bundle.floats(of: last)) { error in
            guard case CheckpointError.truncated? = error as? CheckpointError else { return XCTFail("\(error)") }
        }
    }

    func testCorruptIndexBlockIsDetected() throws {
        try TensorBundleFixtureWriter.write(TensorBundleFixtureWriter.sidModel(width: 1, inputChannels: 4, outputChannels: 12, seed: 4), prefix: prefix)
        var index = try [UInt8](Data(contentsOf: URL(fileURLWithPath: prefix + ".index")))
        index[40] ^= 0x20
        XCTAssertThrowsError(try TensorBundleIndex(bytes: index)) { error in
            XCTAssertTrue("\(error)".contains("block checksum mismatch"), "\(error)")
        }
    }

    func testSnappyCompressedBlocksAreRefusedClearly() throws {
        // A block marked Snappy-compressed (type 1) with a valid checksum.
        var file: [UInt8] = []
        let contents = TensorBundleFixtureWriter.block([([], TensorBundleFixtureWriter.headerProto())])
        let typed = contents + [1]
        file += typed + withUnsafeBytes(of: CRC32.mask(CRC32.castagnoli.checksum(typed)).littleEndian) { [UInt8]($0) }
        let index = TensorBundleFixtureWriter.block([([0x7A], TensorBundleFixtureWriter.varint(0) + TensorBundleFixtureWriter.varint(UInt64(contents.count)))])
        let metaHandle = TensorBundleFixtureWriter.appendBlock(TensorBundleFixtureWriter.block([]), to: &file)
        let indexHandle = TensorBundleFixtureWriter.appendBlock(index, to: &file)
        file += metaHandle + indexHandle + [UInt8](repeating: 0, count: 40 - metaHandle.count - indexHandle.count)
        file += withUnsafeBytes(of: SSTable.magic.littleEndian) { [UInt8]($0) }
        XCTAssertThrowsError(try TensorBundleIndex(bytes: file)) { error in
            XCTAssertTrue("\(error)".contains("Snappy"), "\(error)")
        }
    }

    func testNotAnIndex() {
        XCTAssertThrowsError(try TensorBundleIndex(bytes: [UInt8](repeating: 0, count: 100))) { error in
            XCTAssertTrue("\(error)".contains("magic number"), "\(error)")
        }
    }

    func testPrefixResolution() throws {
        try Data().write(to: URL(fileURLWithPath: prefix + ".index"))
        XCTAssertEqual(TensorBundle.prefix(forPath: prefix), prefix)
        XCTAssertEqual(TensorBundle.prefix(forPath: prefix + ".index"), prefix)
        XCTAssertEqual(TensorBundle.prefix(forPath: prefix + ".data-00000-of-00001"), prefix)
        XCTAssertNil(TensorBundle.prefix(forPath: directory.path("other.pth")))
        XCTAssertEqual(TensorBundle.dataPath(prefix: "m", shard: 2, of: 10), "m.data-00002-of-00010")
    }
}
