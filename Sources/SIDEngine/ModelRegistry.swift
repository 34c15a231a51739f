import SIDNetwork
import SIDRaw
import SIDWeights

/// The models a process has loaded, shared read-only by every worker. The baseline is always there.
public final class ModelRegistry: @unchecked Sendable {
    public static let baselineName = "baseline"
    public static let sonyName = "sid-sony"
    public static let fujiName = "sid-fuji"

    /// SID networks by name.
    public let networks: [String: UNet]
    /// Every model, baseline last.
    public let models: [ModelInfo]

    /// Loads each safetensors file; the model's name comes from the file's metadata, or from its
    /// shape (2x shuffle: sid-sony, 3x: sid-fuji).
    public init(weightFiles: [String]) throws {
        var networks: [String: UNet] = [:]
        var infos: [ModelInfo] = []
        for path in weightFiles {
            let (name, network, info) = try Self.load(path)
            guard networks[name] == nil else {
                throw EngineError.weights("two weight files both hold \(name): \(path) and \(infos.first { $0.name == name }?.weightsPath ?? "?")")
            }
            networks[name] = network
            infos.append(info)
        }
        self.networks = networks
        self.models = infos + [.baseline]
    }

    /// A registry holding given networks, e.g. synthetic ones for benchmarks.
    public init(networks: [String: UNet]) {
        self.networks = networks
        self.models = networks.keys.sorted().map { name in
            ModelInfo(name: name, kind: "unet", description: networks[name]!.architecture.description + " (synthetic weights)",
                      parameters: networks[name]!.architecture.parameterCount, weightsPath: nil, weightsSHA256: nil,
                      sourceCheckpoint: nil, sourceFormat: nil, sourceSHA256: nil)
        } + [.baseline]
    }

    /// The model to use: the one asked for, or the SID network that fits the raw, else the baseline.
    public func choose(_ requested: String?, for raw: RawImage) throws -> String {
        if let requested {
            guard requested == Self.baselineName || networks[requested] != nil else {
                throw EngineError.modelUnavailable(
                    "model '\(requested)' is not loaded; available: \(models.map(\.name).joined(separator: ", "))")
            }
            return requested
        }
        return networks[Self.sonyName] != nil ? Self.sonyName : Self.baselineName
    }

    static func load(_ path: String) throws -> (String, UNet, ModelInfo) {
        let file: WeightsFile
        do {
            file = try WeightsFile(path: path)
        } catch {
            throw EngineError.weights("cannot load weights \(path): \(error)")
        }
        do {
            let shapes = Dictionary(uniqueKeysWithValues: file.names.compactMap { name in file.tensor(name).map { (name, $0.shape) } })
            let architecture = try UNet.inferArchitecture(shapes: shapes)
            let network = try UNet(architecture: architecture) { name in
                file.tensor(name).map { ($0.shape, Array($0.values)) }
            }
            let name = architecture.model.rawValue
            let info = ModelInfo(
                name: name, kind: "unet", description: architecture.description,
                parameters: architecture.parameterCount, weightsPath: path, weightsSHA256: file.sha256,
                sourceCheckpoint: file.metadata["source_checkpoint"], sourceFormat: file.metadata["source_format"],
                sourceSHA256: file.metadata["source_sha256"])
            return (name, network, info)
        } catch {
            throw EngineError.weights("weights \(path) do not fit the SID U-Net: \(error)")
        }
    }
}
