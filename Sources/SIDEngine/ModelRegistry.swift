import SIDModel
import SIDNetwork
import SIDRaw
import SIDWeights

/// The models a process has loaded, shared read-only by every worker. The baseline is always there.
public final class ModelRegistry: @unchecked Sendable {
    /// SID networks by name.
    public let networks: [String: UNet]
    /// Every model, baseline last.
    public let models: [ModelInfo]

    /// Loads each safetensors file under the name of the model its tensor shapes form (`SIDArchitecture.identify`:
    /// 4 channels in and 12 out is sid-sony, 9 and 27 sid-fuji); the file's metadata is only reported.
    /// `winograd` names the layers computed by F(6x6) in every network.
    public init(weightFiles: [String], winograd: WinogradPlan = .standard) throws {
        var networks: [String: UNet] = [:]
        var infos: [ModelInfo] = []
        for path in weightFiles {
            let (name, network, info) = try Self.load(path, winograd: winograd)
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
            guard requested == SIDModel.baselineName || networks[requested] != nil else {
                throw EngineError.modelUnavailable(
                    "model '\(requested)' is not loaded; available: \(models.map(\.name).joined(separator: ", "))")
            }
            let mosaic = SIDModel.Mosaic(raw.mosaic)
            if let network = networks[requested], network.architecture.model.mosaic != mosaic {
                throw EngineError.unusableRaw(
                    "model '\(requested)' takes \(network.architecture.model.mosaic.name) raws but this is "
                    + "\(Self.phrase(raw.mosaic)); ask for \(SIDModel(mosaic: mosaic).rawValue) or "
                    + "\(SIDModel.baselineName), or leave the model out to have it chosen")
            }
            return requested
        }
        if networks.isEmpty { return SIDModel.baselineName }
        let needed = SIDModel(mosaic: SIDModel.Mosaic(raw.mosaic))
        if networks[needed.rawValue] != nil { return needed.rawValue }
        // Weights converted under another name still serve the sensor their shape fits.
        let byName = networks.sorted { $0.key < $1.key }
        if let fitting = byName.first(where: { $0.value.architecture.model.mosaic == needed.mosaic }) {
            return fitting.key
        }
        throw EngineError.unusableRaw(
            "this is \(Self.phrase(raw.mosaic)); the \(needed.rawValue) model is not loaded "
            + "(\(Self.conversionHint(for: needed)), or ask for the \(SIDModel.baselineName) model)")
    }

    private static func phrase(_ mosaic: MosaicPattern) -> String {
        switch mosaic {
        case let .bayer(cfa): return "a Bayer (\(cfa.rawValue)) raw"
        case .xTrans: return "a Fuji X-Trans raw"
        }
    }

    private static func conversionHint(for model: SIDModel) -> String {
        switch model {
        case .sony:
            return "convert checkpoint/Sony/model.ckpt or checkpoint_sony_e4000.pth with "
                + "`sid convert <checkpoint> --output weights/sid-sony.safetensors` and load it"
        case .fuji:
            return "convert checkpoint/Fuji/model.ckpt with "
                + "`sid convert checkpoint/Fuji/model.ckpt --output weights/sid-fuji.safetensors` and load it"
        }
    }

    static func load(_ path: String, winograd: WinogradPlan) throws -> (String, UNet, ModelInfo) {
        let file: WeightsFile
        do {
            file = try WeightsFile(path: path)
        } catch {
            throw EngineError.weights("cannot load weights \(path): \(error)")
        }
        do {
            let architecture = try file.architecture()
            let network = try UNet(architecture: architecture, winograd: winograd) { name in
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

extension SIDModel.Mosaic {
    /// The kind of mosaic a decoded raw has, which decides the model that can read it.
    public init(_ pattern: MosaicPattern) {
        switch pattern {
        case .bayer: self = .bayer
        case .xTrans: self = .xTrans
        }
    }
}
