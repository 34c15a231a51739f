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

    /// The model to use: the one asked for, or the SID network that fits the raw's sensor (sid-sony for Bayer,
    /// sid-fuji for X-Trans), or the baseline when no SID network is loaded at all.
    ///
    /// Throws `modelUnavailable` (400) when the model asked for is not loaded, and `unusableRaw` (422)
    /// when the model asked for takes the other sensor or the one the raw needs is not loaded.
    public func choose(_ requested: String?, for raw: RawImage) throws -> String {
        if let requested {
            guard requested == Self.baselineName || networks[requested] != nil else {
                throw EngineError.modelUnavailable(
                    "model '\(requested)' is not loaded; available: \(models.map(\.name).joined(separator: ", "))")
            }
            if let network = networks[requested], !Self.network(network, fits: raw.mosaic) {
                throw EngineError.unusableRaw(
                    "model '\(requested)' takes \(Self.sensorName(of: network)) raws but this is "
                    + "\(Self.phrase(raw.mosaic)); ask for \(Self.modelName(for: raw.mosaic)) or \(Self.baselineName), "
                    + "or leave the model out to have it chosen")
            }
            return requested
        }
        if networks.isEmpty { return Self.baselineName }
        let needed = Self.modelName(for: raw.mosaic)
        if networks[needed] != nil { return needed }
        // Weights converted under another name still serve the sensor their shape fits.
        let byName = networks.sorted { $0.key < $1.key }
        if let fitting = byName.first(where: { Self.network($0.value, fits: raw.mosaic) }) {
            return fitting.key
        }
        throw EngineError.unusableRaw(
            "this is \(Self.phrase(raw.mosaic)); the \(needed) model is not loaded "
            + "(\(Self.conversionHint(for: raw.mosaic)), or ask for the \(Self.baselineName) model)")
    }

    /// The registry name of the SID model trained for a sensor.
    public static func modelName(for mosaic: MosaicPattern) -> String {
        switch mosaic {
        case .bayer: return sonyName
        case .xTrans: return fujiName
        }
    }

    /// The Sony network packs 2x2 cells into 4 channels, the Fuji one 6x6 blocks into 9.
    static func network(_ network: UNet, fits mosaic: MosaicPattern) -> Bool {
        switch mosaic {
        case .bayer: return network.architecture.inChannels == 4 && network.architecture.scale == 2
        case .xTrans: return network.architecture.inChannels == 9 && network.architecture.scale == 3
        }
    }

    private static func sensorName(of network: UNet) -> String {
        switch network.architecture.inChannels {
        case 4: return "Bayer"
        case 9: return "Fuji X-Trans"
        case let channels: return "\(channels)-channel"
        }
    }

    private static func phrase(_ mosaic: MosaicPattern) -> String {
        switch mosaic {
        case let .bayer(cfa): return "a Bayer (\(cfa.rawValue)) raw"
        case .xTrans: return "a Fuji X-Trans raw"
        }
    }

    private static func conversionHint(for mosaic: MosaicPattern) -> String {
        switch mosaic {
        case .bayer:
            return "convert checkpoint/Sony/model.ckpt or checkpoint_sony_e4000.pth with "
                + "`sid convert <checkpoint> --output weights/sid-sony.safetensors` and load it"
        case .xTrans:
            return "convert checkpoint/Fuji/model.ckpt with "
                + "`sid convert checkpoint/Fuji/model.ckpt --output weights/sid-fuji.safetensors` and load it"
        }
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
