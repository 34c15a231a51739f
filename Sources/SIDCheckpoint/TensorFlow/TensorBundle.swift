import Foundation
import SIDWeights

/// A TensorFlow checkpoint read without TensorFlow: `<prefix>.index` plus its `<prefix>.data-NNNNN-of-MMMMM`
/// shards, each tensor raw little-endian at the offset the index gives and verified against its CRC32C.
final class TensorBundle {
    let prefix: String
    let index: TensorBundleIndex
    private let shards: [MappedFile]

    /// Opens the bundle whose index is `<prefix>.index`.
    init(prefix: String) throws {
        self.prefix = prefix
        let index = try TensorBundleIndex(contentsOf: prefix + ".index")
        self.index = index
        shards = try (0 ..< index.shardCount).map { shard in
            try MappedFile(path: Self.dataPath(prefix: prefix, shard: shard, of: index.shardCount))
        }
    }

    var entries: [TensorBundleEntry] { index.entries }

    static func dataPath(prefix: String, shard: Int, of count: Int) -> String {
        prefix + ".data-" + String(format: "%05d-of-%05d", shard, count)
    }

    /// The checkpoint prefix for any of the ways a user names it: `model.ckpt`, `model.ckpt.index`, or a data shard.
    static func prefix(forPath path: String) -> String? {
        if path.hasSuffix(".index") { return String(path.dropLast(".index".count)) }
        if let range = path.range(of: #"\.data-\d{5}-of-\d{5}$"#, options: .regularExpression) {
            return String(path[..<range.lowerBound])
        }
        return FileManager.default.fileExists(atPath: path + ".index") ? path : nil
    }

    /// The tensor's values, after checking its dtype, size and CRC32C.
    func floats(of entry: TensorBundleEntry) throws -> [Float] {
        guard entry.dtype == TensorBundleEntry.floatDType else {
            throw CheckpointError.unsupportedDType(tensor: entry.name, dtype: entry.dtypeName)
        }
        guard let count = entry.shape.checkedProduct, entry.size / MemoryLayout<Float>.size == count,
              entry.size % MemoryLayout<Float>.size == 0
        else {
            throw CheckpointError.malformedTensorBundle(
                "tensor \(entry.name) of shape \(entry.shape) is recorded as \(entry.size) bytes")
        }
        guard entry.shardID < shards.count else {
            throw CheckpointError.malformedTensorBundle("tensor \(entry.name) is in shard \(entry.shardID), which does not exist")
        }
        let shard = shards[entry.shardID]
        guard entry.offset <= shard.bytes.count, entry.size <= shard.bytes.count - entry.offset else {
            throw CheckpointError.truncated(
                "tensor \(entry.name) lies at bytes \(entry.offset)..<\(entry.offset + entry.size) of \(shard.path),"
                    + " which has \(shard.bytes.count)")
        }
        let bytes = UnsafeRawBufferPointer(rebasing: shard.bytes[entry.offset ..< entry.offset + entry.size])
        let computed = CRC32.mask(CRC32.castagnoli.checksum(bytes))
        guard computed == entry.maskedCRC32C else {
            throw CheckpointError.checksumMismatch(tensor: entry.name, stored: entry.maskedCRC32C, computed: computed)
        }
        return [Float](unsafeUninitializedCapacity: count) { output, initialized in
            UnsafeMutableRawBufferPointer(output).copyMemory(from: bytes)
            initialized = count
        }
    }
}
