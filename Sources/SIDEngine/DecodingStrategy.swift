import SIDRaw

/// Where an `Enhancer` runs LibRaw on untrusted bytes: in this process, or in a separate one per call that may
/// crash, hang or run out of memory without taking this process with it.
public enum DecodingStrategy: Sendable, Equatable {
    case inProcess
    case isolated(DecoderIsolation)

    /// The mode's name as flags and SID_DECODER spell it.
    public var mode: DecoderMode {
        switch self {
        case .inProcess: return .inProcess
        case .isolated: return .isolated
        }
    }
}
