/// The choice between `DecodingStrategy`s as a setting: "isolated" or "in-process".
public enum DecoderMode: String, CaseIterable, Sendable {
    case isolated
    case inProcess = "in-process"

    /// "isolated or in-process", for messages about a wrong value.
    public static var choices: String { allCases.map(\.rawValue).joined(separator: " or ") }
}
