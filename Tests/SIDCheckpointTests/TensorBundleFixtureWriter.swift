import Foundation
@testable import SIDCheckpoint
import SIDTestSupport

/// Writes a TensorFlow tensor bundle (`<prefix>.index` + `<prefix>.data-00000-of-00001`) the way TensorFlow does:
/// tensors in name order in the data file, and a LevelDB table index with a header entry under the empty key,
/// prefix-compressed keys with restart points, several data blocks, block trailers with masked CRC32C, a footer.
enum TensorBundleFixtureWriter {
    struct Tensor {
        let name: String
        let shape: [Int]
        let values: [Float]
    }

    /// Entries per data block; small, so that even a narrow model's index spans several blocks.
    static let entriesPerBlock = 24
    static let restartInterval = 16

    static func write(_ tensors: [Tensor], prefix: String) throws {
        let sorted = tensors.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        var data = Data()
        var entries: [(key: [UInt8], value: [UInt8])] = [([], headerProto())]
        for tensor in sorted {
            let bytes = tensor.values.withUnsafeBytes { [UInt8]($0) }
            let crc = CRC32.mask(CRC32.castagnoli.checksum(bytes))
            entries.append((Array(tensor.name.utf8), entryProto(shape: tensor.shape, offset: data.count, size: bytes.count, crc: crc)))
            data.append(contentsOf: bytes)
        }
        try data.write(to: URL(fileURLWithPath: prefix + ".data-00000-of-00001"))
        try Data(table(entries)).write(to: URL(fileURLWithPath: prefix + ".index"))
    }

    /// The tensors of a TensorFlow SID model of base width `width`, named as in the authors' checkpoint, with
    /// random values, plus the Adam slots and beta powers a training checkpoint carries.
    static func sidModel(width: Int, inputChannels: Int, outputChannels: Int, seed: UInt64) -> [Tensor] {
        var random = SeededValues(seed: seed)
        var tensors: [Tensor] = []
        func add(_ name: String, _ shape: [Int]) {
            tensors.append(Tensor(name: name, shape: shape, values: random.values(shape.reduce(1, *))))
            for slot in ["Adam", "Adam_1"] {
                tensors.append(Tensor(name: "\(name)/\(slot)", shape: shape, values: .init(repeating: 0.5, count: shape.reduce(1, *))))
            }
        }
        func convolution(_ name: String, _ input: Int, _ output: Int, kernel: Int = 3) {
            add("g_\(name)/weights", [kernel, kernel, input, output])
            add("g_\(name)/biases", [output])
        }
        let levels = [1, 2, 4, 8, 16].map { $0 * width }
        var input = inputChannels
        for (level, channels) in levels.enumerated() {
            convolution("conv\(level + 1)_1", input, channels)
            convolution("conv\(level + 1)_2", channels, channels)
            input = channels
        }
        for (step, channels) in levels.dropLast().reversed().enumerated() {
            add(step == 0 ? "Variable" : "Variable_\(step)", [2, 2, channels, 2 * channels])
            convolution("conv\(step + 6)_1", 2 * channels, channels)
            convolution("conv\(step + 6)_2", channels, channels)
        }
        convolution("conv10", width, outputChannels, kernel: 1)
        tensors.append(Tensor(name: "beta1_power", shape: [], values: [0.9]))
        tensors.append(Tensor(name: "beta2_power", shape: [], values: [0.999]))
        return tensors
    }

    // MARK: - Protobuf

    static func headerProto() -> [UInt8] {
        // num_shards = 1, version { producer = 1 }
        [0x08, 0x01] + lengthDelimited(field: 3, [0x08, 0x01])
    }

    static func entryProto(shape: [Int], offset: Int, size: Int, crc: UInt32) -> [UInt8] {
        var shapeMessage: [UInt8] = []
        for dimension in shape {
            shapeMessage += lengthDelimited(field: 2, [0x08] + varint(UInt64(dimension)))
        }
        var proto: [UInt8] = [0x08, 0x01] + lengthDelimited(field: 2, shapeMessage)
        // Like TensorFlow (proto3), zero values are omitted.
        if offset != 0 { proto += [0x20] + varint(UInt64(offset)) }
        proto += [0x28] + varint(UInt64(size))
        proto += [0x35] + withUnsafeBytes(of: crc.littleEndian) { [UInt8]($0) }
        return proto
    }

    static func lengthDelimited(field: Int, _ bytes: [UInt8]) -> [UInt8] {
        varint(UInt64(field << 3 | 2)) + varint(UInt64(bytes.count)) + bytes
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        repeat {
            bytes.append(UInt8(value & 0x7F) | (value >= 0x80 ? 0x80 : 0))
            value >>= 7
        } while value != 0
        return bytes
    }

    // MARK: - LevelDB table

    static func table(_ entries: [(key: [UInt8], value: [UInt8])]) -> [UInt8] {
        var file: [UInt8] = []
        var indexEntries: [(key: [UInt8], value: [UInt8])] = []
        for start in stride(from: 0, to: entries.count, by: entriesPerBlock) {
            let blockEntries = Array(entries[start ..< min(start + entriesPerBlock, entries.count)])
            let handle = appendBlock(block(blockEntries), to: &file)
            indexEntries.append((blockEntries[blockEntries.count - 1].key, handle))
        }
        let metaindexHandle = appendBlock(block([]), to: &file)
        let indexHandle = appendBlock(block(indexEntries), to: &file)
        var footer = metaindexHandle + indexHandle
        footer += [UInt8](repeating: 0, count: 40 - footer.count)
        footer += withUnsafeBytes(of: SSTable.magic.littleEndian) { [UInt8]($0) }
        return file + footer
    }

    /// Appends contents plus trailer (type 0, masked CRC32C of contents and type); returns the block handle.
    static func appendBlock(_ contents: [UInt8], to file: inout [UInt8]) -> [UInt8] {
        let handle = varint(UInt64(file.count)) + varint(UInt64(contents.count))
        let typed = contents + [0]
        file += typed + withUnsafeBytes(of: CRC32.mask(CRC32.castagnoli.checksum(typed)).littleEndian) { [UInt8]($0) }
        return handle
    }

    static func block(_ entries: [(key: [UInt8], value: [UInt8])]) -> [UInt8] {
        var bytes: [UInt8] = []
        var restarts: [UInt32] = []
        var previous: [UInt8] = []
        for (number, entry) in entries.enumerated() {
            var shared = 0
            if number % restartInterval == 0 {
                restarts.append(UInt32(bytes.count))
            } else {
                while shared < min(previous.count, entry.key.count), previous[shared] == entry.key[shared] { shared += 1 }
            }
            bytes += varint(UInt64(shared)) + varint(UInt64(entry.key.count - shared)) + varint(UInt64(entry.value.count))
            bytes += entry.key[shared...] + entry.value
            previous = entry.key
        }
        if restarts.isEmpty { restarts = [0] }
        for restart in restarts { bytes += withUnsafeBytes(of: restart.littleEndian) { [UInt8]($0) } }
        bytes += withUnsafeBytes(of: UInt32(restarts.count).littleEndian) { [UInt8]($0) }
        return bytes
    }
}
