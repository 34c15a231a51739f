/// One tensor's record in a TensorFlow bundle index (a decoded `BundleEntryProto`).
struct TensorBundleEntry: Equatable, Sendable {
    /// TensorFlow's DataType enum value for float32 (DT_FLOAT).
    static let floatDType = 1

    let name: String
    let dtype: Int
    let shape: [Int]
    let shardID: Int
    let offset: Int
    let size: Int
    /// The masked CRC32C of the tensor's bytes in the data file.
    let maskedCRC32C: UInt32

    /// Decodes the protobuf: dtype=1, shape=2 {dim=2 {size=1}}, shard_id=3, offset=4, size=5, crc32c=6, slices=7.
    init(name: String, proto: [UInt8]) throws {
        self.name = name
        var dtype = 0, shardID = 0, offset = 0, size = 0
        var shape: [Int] = []
        var crc: UInt32 = 0
        var reader = ProtobufReader(proto, context: "the index entry of \(name)")
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (1, .varint(let number)): dtype = Int(truncatingIfNeeded: number)
            case (2, .lengthDelimited(let message)): shape = try Self.dimensions(of: message, tensor: name)
            case (3, .varint(let number)): shardID = try Self.int(number, tensor: name)
            case (4, .varint(let number)): offset = try Self.int(number, tensor: name)
            case (5, .varint(let number)): size = try Self.int(number, tensor: name)
            case (6, .fixed32(let number)): crc = number
            case (7, _):
                throw CheckpointError.malformedTensorBundle("tensor \(name) is partitioned into slices, which is not supported")
            default: continue
            }
        }
        self.dtype = dtype
        self.shape = shape
        self.shardID = shardID
        self.offset = offset
        self.size = size
        self.maskedCRC32C = crc
    }

    var dtypeName: String {
        switch dtype {
        case 1: return "float32"
        case 2: return "float64"
        case 3: return "int32"
        case 9: return "int64"
        case 14: return "bfloat16"
        case 19: return "float16"
        default: return "TensorFlow dtype \(dtype)"
        }
    }

    /// TensorShapeProto: repeated dim (field 2), each a Dim message with size in field 1.
    private static func dimensions(of message: [UInt8], tensor: String) throws -> [Int] {
        var dimensions: [Int] = []
        var reader = ProtobufReader(message, context: "the shape of \(tensor)")
        while let (field, value) = try reader.next() {
            if field == 3, value.varint == 1 {
                throw CheckpointError.malformedTensorBundle("tensor \(tensor) has an unknown rank")
            }
            guard field == 2, let dim = value.bytes else { continue }
            var size = 0
            var dimReader = ProtobufReader(dim, context: "the shape of \(tensor)")
            while let (dimField, dimValue) = try dimReader.next() {
                if dimField == 1, let number = dimValue.varint { size = try int(number, tensor: tensor) }
            }
            dimensions.append(size)
        }
        return dimensions
    }

    private static func int(_ value: UInt64, tensor: String) throws -> Int {
        guard value <= UInt64(Int32.max) * 1024 else {
            throw CheckpointError.malformedTensorBundle("tensor \(tensor) has an impossible size or offset (\(value))")
        }
        return Int(value)
    }
}
