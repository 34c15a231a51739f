/// Why bytes are not a float32 NumPy array `sid` can use.
enum NPYError: Error, CustomStringConvertible, Equatable {
    case notNPY
    case truncated(String)
    case badHeader(String)
    case unsupportedType(String)

    var description: String {
        switch self {
        case .notNPY: return "it is not a NumPy .npy file (the magic string \\x93NUMPY is missing)"
        case .truncated(let what): return "the file is truncated: \(what)"
        case .badHeader(let what): return "the .npy header is malformed: \(what)"
        case .unsupportedType(let what):
            return "\(what); sid reads C-order little-endian float32 arrays (numpy: np.ascontiguousarray(a, dtype='<f4'))"
        }
    }
}
