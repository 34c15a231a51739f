import Foundation

/// Where the weights come from: `--weights`, else `SID_WEIGHTS` (comma-separated), else the converted
/// files in `weights/` under the working directory. None found means the baseline model only.
public struct WeightsLocation: Equatable {
    public static let defaultFiles = ["weights/sid-sony.safetensors", "weights/sid-fuji.safetensors"]

    public let files: [String]
    /// Said to the user when no weights are found.
    public let notice: String?

    public init(explicit: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
                fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) {
        let listed = Self.files(inList: environment["SID_WEIGHTS"] ?? "")
        if !explicit.isEmpty {
            files = explicit
        } else if !listed.isEmpty {
            files = listed
        } else {
            files = Self.defaultFiles.filter(fileExists)
        }
        notice = files.isEmpty
            ? "no SID weights found (--weights, SID_WEIGHTS or weights/sid-sony.safetensors): using the baseline pipeline; see weights/README.md to convert a checkpoint"
            : nil
    }

    /// The paths of a `SID_WEIGHTS` value. "a.safetensors, b.safetensors" is how people write lists: spaces around
    /// items are not part of a path, and a value with no item in it names no file.
    public static func files(inList list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
