import Foundation
@testable import SIDCheckpoint
import SIDModel
import SIDTestSupport
import XCTest

/// The SID authors' real index files (../shared/sid-assets), checked against their human-readable tables.
final class TensorBundleIndexTests: XCTestCase {
    func testRealSonyIndex() throws {
        try checkRealIndex("tf_sony", inputChannels: 4, outputChannels: 12)
    }

    func testRealFujiIndex() throws {
        try checkRealIndex("tf_fuji", inputChannels: 9, outputChannels: 27)
    }

    private func checkRealIndex(_ directory: String, inputChannels: Int, outputChannels: Int) throws {
        let folder = try WeightsFixtures.sharedAssets().appendingPathComponent("weights/\(directory)")
        let index = try TensorBundleIndex(contentsOf: folder.appendingPathComponent("model.ckpt.index").path)
        let table = try String(contentsOf: folder.appendingPathComponent("model.ckpt.index.tensors.txt"), encoding: .utf8)
        let rows = try table.split(separator: "\n").filter { !$0.hasPrefix("HEADER") && !$0.hasPrefix("total bytes") }.map(parse)

        XCTAssertEqual(index.shardCount, 1)
        XCTAssertEqual(index.entries.count, 120)
        XCTAssertEqual(rows.count, 120)
        for (entry, row) in zip(index.entries, rows) {
            XCTAssertEqual(entry.name, row.name)
            XCTAssertEqual(entry.dtypeName, row.dtype, entry.name)
            XCTAssertEqual(entry.shape, row.shape, entry.name)
            XCTAssertEqual(entry.shardID, row.shard, entry.name)
            XCTAssertEqual(entry.offset, row.offset, entry.name)
            XCTAssertEqual(entry.size, row.size, entry.name)
            XCTAssertEqual(entry.maskedCRC32C, row.crc, entry.name)
        }

        // The model's own tensors are exactly the SID U-Net without up-convolution biases.
        let model = index.entries.filter { !TensorFlowTranslation.isTrainingState($0.name) }
        let architecture = SIDArchitecture(model: try XCTUnwrap(SIDModel(inputChannels: inputChannels, outputChannels: outputChannels)))
        XCTAssertEqual(model.count, 46 - 4)
        XCTAssertEqual(model.reduce(0) { $0 + $1.size } / 4, architecture.parameterCountWithoutUpconvBias)
        let conv10 = try XCTUnwrap(index.entries.first { $0.name == "g_conv10/weights" })
        XCTAssertEqual(conv10.shape, [1, 1, 32, outputChannels])
    }

    private struct Row {
        let name: String, dtype: String, shape: [Int], shard: Int, offset: Int, size: Int, crc: UInt32
    }

    /// `name  dtype  [d0, d1, ...]  shard=S off=O  size=N  crc32c=hex`
    private func parse(_ line: Substring) throws -> Row {
        let open = try XCTUnwrap(line.firstIndex(of: "[")), close = try XCTUnwrap(line.firstIndex(of: "]"))
        let head = line[..<open].split(separator: " ")
        let shape = line[line.index(after: open) ..< close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        var fields: [String: String] = [:]
        for field in line[line.index(after: close)...].split(separator: " ") {
            let parts = field.split(separator: "=")
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        return Row(
            name: String(head[0]), dtype: String(head[1]), shape: shape,
            shard: try XCTUnwrap(fields["shard"].flatMap { Int($0) }),
            offset: try XCTUnwrap(fields["off"].flatMap { Int($0) }),
            size: try XCTUnwrap(fields["size"].flatMap { Int($0) }),
            crc: try XCTUnwrap(fields["crc32c"].flatMap { UInt32($0, radix: 16) }))
    }
}
