/// Why bytes exchanged with the decoder process are not a well-formed request or response.
enum DecoderWireError: Error, CustomStringConvertible, Equatable {
    /// The bytes end before the message does.
    case truncated(String)
    /// The bytes do not start with the expected magic and version.
    case wrongMagic
    /// A field holds a value the format does not allow, or one beyond the agreed limits.
    case outOfRange(String)

    var description: String {
        switch self {
        case let .truncated(detail): return "the message is truncated: \(detail)"
        case .wrongMagic: return "the message does not start with the decoder protocol's magic and version"
        case let .outOfRange(detail): return "the message is malformed: \(detail)"
        }
    }
}
