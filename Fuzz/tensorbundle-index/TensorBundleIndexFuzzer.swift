@testable import SIDCheckpoint

/// Reads a TensorFlow bundle's `.index` (a LevelDB table of protobuf entries) held in memory.
enum TensorBundleIndexFuzzer {
    static func run(_ input: UnsafeRawBufferPointer) {
        let index: TensorBundleIndex
        do {
            index = try TensorBundleIndex(bytes: Array(input))
        } catch let error as CheckpointError {
            _ = error.description
            return
        } catch {
            Invariant.require(false, "reading threw \(error), which is not a CheckpointError")
            return
        }
        Invariant.require((1 ... 100_000).contains(index.shardCount), "\(index.shardCount) shards accepted")
        for entry in index.entries {
            Invariant.require(!entry.name.isEmpty, "an entry without a name")
            Invariant.require(entry.shape.allSatisfy { $0 >= 0 } && entry.offset >= 0 && entry.size >= 0
                                  && entry.shardID >= 0,
                              "entry \(entry.name) has a negative size, offset or shard")
            _ = entry.dtypeName
            _ = entry.shape.checkedProduct
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    TensorBundleIndexFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
