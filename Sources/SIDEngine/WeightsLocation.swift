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
        if !explicit.isEmpty {
            files = explicit
        } else if let variable = environment["SID_WEIGHTS"], !variable.isEmpty {
            files = variable.split(separator: ",").map { String($0) }
        } else {
            files = Self.defaultFiles.filter(fileExists)
        }
        notice = files.isEmpty
            ? "no SID weights found (--weights, SID_WEIGHTS or weights/sid-sony.safetensors): using the baseline pipeline; see weights/README.md to convert a checkpoint"
            : nil
    }
}
