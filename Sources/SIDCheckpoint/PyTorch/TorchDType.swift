/// The element types PyTorch storages can have, named by their pickled storage class (`torch.FloatStorage`).
enum TorchDType: String, Sendable {
    case float32, float64, float16, bfloat16
    case int64, int32, int16, int8, uint8, bool
    case complex64, complex128

    /// Maps the class name after `torch.` in a pickle's GLOBAL to the element type it stores.
    init?(storageClassName name: String) {
        switch name {
        case "FloatStorage": self = .float32
        case "DoubleStorage": self = .float64
        case "HalfStorage": self = .float16
        case "BFloat16Storage": self = .bfloat16
        case "LongStorage": self = .int64
        case "IntStorage": self = .int32
        case "ShortStorage": self = .int16
        case "CharStorage": self = .int8
        case "ByteStorage": self = .uint8
        case "BoolStorage": self = .bool
        case "ComplexFloatStorage": self = .complex64
        case "ComplexDoubleStorage": self = .complex128
        default: return nil
        }
    }

    var elementSize: Int {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .float16, .bfloat16, .int16: return 2
        case .float32, .int32: return 4
        case .float64, .int64, .complex64: return 8
        case .complex128: return 16
        }
    }

    /// float16 and bfloat16 widen to float32 exactly, so they are accepted; float64 would be rounded, so it is not.
    var widensExactlyToFloat32: Bool {
        self == .float32 || self == .float16 || self == .bfloat16
    }
}
