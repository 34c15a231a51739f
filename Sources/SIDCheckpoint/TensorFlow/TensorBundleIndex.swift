import Foundation
import SIDWeights

/// A TensorFlow bundle's `.index` file: its header and one entry per tensor, in name order.
struct TensorBundleIndex {
    let shardCount: Int
    let entries: [TensorBundleEntry]

    init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WeightsError.unreadableFile(path: path, reason: "it does not exist or cannot be read")
        }
        try self.init(bytes: [UInt8](data))
    }

    init(bytes: [UInt8]) throws {
        var shardCount: Int?
        var entries: [TensorBundleEntry] = []
        for (key, value) in try SSTable(bytes: bytes).entries {
            guard !key.isEmpty else {
                shardCount = try Self.shardCount(fromHeader: value)
                continue
            }
            guard let name = String(bytes: key, encoding: .utf8) else {
                throw CheckpointError.malformedTensorBundle("a tensor name in the index is not UTF-8")
            }
            entries.append(try TensorBundleEntry(name: name, proto: value))
        }
        guard let shardCount else {
            throw CheckpointError.malformedTensorBundle("the index has no bundle header (empty key)")
        }
        self.shardCount = shardCount
        self.entries = entries
    }

    /// BundleHeaderProto: num_shards=1, endianness=2 (0 little, 1 big), version=3.
    private static func shardCount(fromHeader proto: [UInt8]) throws -> Int {
        var shards: UInt64 = 0
        var reader = ProtobufReader(proto, context: "the bundle header")
        while let (field, value) = try reader.next() {
            if field == 1, let number = value.varint { shards = number }
            if field == 2, value.varint == 1 {
                throw CheckpointError.malformedTensorBundle("the checkpoint was written big-endian")
            }
        }
        guard shards >= 1, shards <= 100_000 else {
            throw CheckpointError.malformedTensorBundle("the bundle header declares \(shards) data shards")
        }
        return Int(shards)
    }
}
