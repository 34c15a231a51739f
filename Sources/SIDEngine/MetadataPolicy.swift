/// Whether the PNG carries the camera's metadata (an eXIf chunk: make, model, capture time, exposure, aperture, ISO,
/// focal length, lens) or only sid's own text chunks (`--strip-metadata`, `metadata=strip`).
public enum MetadataPolicy: String, CaseIterable, Sendable {
    case keep
    case strip

    /// "keep or strip", for messages.
    public static var choices: String { allCases.map(\.rawValue).joined(separator: " or ") }
}
