/// Which way up the PNG is: turned upright as the camera's orientation says (the default), or the sensor's own
/// geometry (`--orientation sensor`, `orientation=sensor`), with EXIF Orientation telling a viewer how to turn it.
public enum OutputGeometry: String, CaseIterable, Sendable {
    case upright
    case sensor

    /// "upright or sensor", for messages.
    public static var choices: String { allCases.map(\.rawValue).joined(separator: " or ") }
}
