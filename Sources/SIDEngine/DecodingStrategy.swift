import SIDDecoderIsolation

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

    /// The backend that runs this strategy for raws of up to `maxPixels` sensor pixels.
    public func backend(maxPixels: Int) -> any RawBackend {
        switch self {
        case .inProcess: return InProcessRawBackend(maxPixels: maxPixels)
        case let .isolated(isolation): return IsolatedRawBackend(isolation: isolation, maxPixels: maxPixels)
        }
    }
}

/// A `DecodingStrategy` by name, as a setting: "isolated" or "in-process" (the isolation's limits come apart).
public enum DecoderMode: String, CaseIterable, Sendable {
    case isolated
    case inProcess = "in-process"

    /// "isolated or in-process", for messages about a wrong value.
    public static var choices: String { allCases.map(\.rawValue).joined(separator: " or ") }
}
