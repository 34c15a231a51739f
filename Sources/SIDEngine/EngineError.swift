import SIDNetwork
import SIDRaw

/// Why an enhancement could not be made, sorted by whose fault it is.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    /// A parameter outside what the engine accepts (HTTP 400).
    case badParameter(String)
    /// The bytes are not a raw file the engine reads (HTTP 415).
    case unsupportedInput(String)
    /// A raw file that reads but cannot be used: wrong sensor, too small, too large, cut off (HTTP 422).
    case unusableRaw(String)
    /// The model asked for, or needed, is not loaded.
    case modelUnavailable(String)
    /// The weights could not be loaded.
    case weights(String)
    /// The separate decoder process crashed, hung, ran out of memory (HTTP 422: the file did it) or misbehaved
    /// on its own (HTTP 500); `RawDecodingError.decoderFailureKind` says which, for counting.
    case decoderFailure(RawDecodingError)

    public var description: String {
        switch self {
        case .badParameter(let text), .unsupportedInput(let text), .unusableRaw(let text),
             .modelUnavailable(let text), .weights(let text):
            return text
        case .decoderFailure(let error):
            return error.description
        }
    }

    /// The HTTP status that says the same thing.
    public var httpStatus: Int {
        switch self {
        case .badParameter, .modelUnavailable: return 400
        case .unsupportedInput: return 415
        case .unusableRaw: return 422
        case .weights: return 500
        case .decoderFailure(let error): return error.httpStatusHint
        }
    }

    init(_ error: RawDecodingError) {
        if error.decoderFailureKind != nil {
            self = .decoderFailure(error)
            return
        }
        self = error.httpStatusHint == 415 ? .unsupportedInput(error.description) : .unusableRaw(error.description)
    }
}
