/// Iterates the fields of one protobuf message: just enough of the wire format for TensorFlow's bundle protos.
struct ProtobufReader {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case lengthDelimited([UInt8])
        case fixed32(UInt32)

        var varint: UInt64? {
            if case .varint(let value) = self { return value }
            return nil
        }

        var bytes: [UInt8]? {
            if case .lengthDelimited(let bytes) = self { return bytes }
            return nil
        }
    }

    private let message: [UInt8]
    private var position = 0
    private let context: String

    init(_ message: [UInt8], context: String) {
        self.message = message
        self.context = context
    }

    /// The next field, or nil at the end of the message.
    mutating func next() throws -> (field: Int, value: Value)? {
        guard position < message.count else { return nil }
        return try message.withUnsafeBytes { bytes in
            var cursor = ByteCursor(bytes, context: context, position: position)
            defer { position = cursor.position }
            let key = try cursor.readVarint()
            let field = Int(key >> 3)
            guard field > 0, field <= 536_870_911 else {
                throw CheckpointError.malformedTensorBundle("\(context) has an invalid field number")
            }
            switch key & 7 {
            case 0: return (field, .varint(try cursor.readVarint()))
            case 1: return (field, .fixed64(try cursor.readUInt64()))
            case 2: return (field, .lengthDelimited(try cursor.readArray(try cursor.readVarintInt())))
            case 5: return (field, .fixed32(try cursor.readUInt32()))
            default:
                throw CheckpointError.malformedTensorBundle("\(context) uses protobuf wire type \(key & 7), which is not supported")
            }
        }
    }
}
