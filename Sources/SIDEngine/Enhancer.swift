import Dispatch
import Foundation
import SIDImage
import SIDModel
import SIDNetwork
import SIDRaw

/// Raw bytes in, PNG out: decode, pack (2x2 Bayer or 6x6 X-Trans), run the network, encode; or, for the
/// baseline model, one LibRaw rendering, then encode. Either way LibRaw runs once per request (`RawBackend`).
///
/// One per worker. It keeps a network runner per model and the output image buffers, so after the
/// first image of the largest size nothing big is allocated again. Not thread-safe.
public final class Enhancer {
    public let registry: ModelRegistry
    public let threads: Int
    /// Where LibRaw runs.
    public let decoding: DecodingStrategy
    private let backend: any RawBackend
    private let encoder: PNGEncoder
    private var runners: [String: UNetRunner] = [:]
    private var rgb8: [UInt8] = []
    private var rgb16: [UInt16] = []

    /// - Parameters:
    ///   - threads: compute threads of this worker.
    ///   - maxPixels: raws with more sensor pixels are refused before their pixels are read.
    ///   - decoding: where LibRaw decodes and renders the baseline; a service fed untrusted uploads isolates it.
    public init(registry: ModelRegistry, threads: Int = 1, maxPixels: Int = 100_000_000,
                decoding: DecodingStrategy = .inProcess) {
        self.registry = registry
        self.threads = threads
        self.encoder = PNGEncoder(threads: threads)
        self.decoding = decoding
        self.backend = decoding.backend(maxPixels: maxPixels)
    }

    /// Bytes held by the networks' buffers.
    public var allocatedBytes: Int { runners.values.reduce(0) { $0 + $1.allocatedBytes } }

    public func enhance(_ bytes: UnsafeRawBufferPointer, options: EnhanceOptions,
                        layerTimings: LayerTimings? = nil) throws -> EnhanceResult {
        try options.validate()
        var timings = StageTimings()
        var warnings: [String] = []
        let model: String, ratio: Float
        let width: Int, height: Int
        if Self.usesBaseline(options.model, registry) {
            model = SIDModel.baselineName
            if options.model == nil {
                warnings.append("no SID weights are loaded: this image comes from the baseline pipeline")
            }
            // One backend call decodes, estimates an `auto` ratio and renders; what LibRaw's processing took is
            // the baseline's forward stage, the rest (spawn, transfer, unpack) its decode.
            let start = DispatchTime.now().uptimeNanoseconds
            let rendering = try engineErrors { try backend.renderBaseline(bytes, ratio: options.ratio) }
            let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let rendered = min(rendering.renderSeconds, total)
            timings.forward += rendered
            timings.decode += total - rendered
            ratio = rendering.ratio
            let image = rendering.image
            width = image.width
            height = image.height
            try fill(count: image.pixels.count, bits: options.bits) { rgb8, rgb16 in
                image.pixels.withUnsafeBufferPointer { source in
                    if let rgb16 {
                        rgb16.update(from: source.baseAddress!, count: source.count)
                    } else if let rgb8 {
                        for i in 0..<source.count { rgb8[i] = UInt8((UInt32(source[i]) * 255 + 32767) / 65535) }
                    }
                }
            }
        } else {
            let raw: RawImage = try measure(&timings.decode) { try engineErrors { try backend.decode(bytes) } }
            model = try registry.choose(options.model, for: raw)
            ratio = options.ratio.value(for: raw)
            guard let network = registry.networks[model] else { throw EngineError.modelUnavailable("model '\(model)' is not loaded") }
            let packed: PackedImage = measure(&timings.pack) {
                switch raw.mosaic {
                case .bayer: return BayerPacker.pack(raw, ratio: ratio)
                case .xTrans: return XTransPacker.pack(raw, ratio: ratio)
                }
            }
            guard packed.channels == network.architecture.inChannels else {
                throw EngineError.unusableRaw("model '\(model)' takes \(network.architecture.inChannels) packed channels "
                                              + "but this raw packs to \(packed.channels)")
            }
            let runner = runner(for: model, network)
            runner.cancellation = options.cancellation
            let scale = network.architecture.scale
            width = scale * packed.width
            height = scale * packed.height
            try measure(&timings.forward) {
                try fill(count: width * height * 3, bits: options.bits) { rgb8, rgb16 in
                    try packed.values.withUnsafeBufferPointer { input in
                        let output: OutputImage = rgb16.map { .rgb16($0) } ?? .rgb8(rgb8!)
                        try runner.run(input: input, height: packed.height, width: packed.width,
                                       output: output, timings: layerTimings)
                    }
                }
            }
        }
        if let warning = ExposureRatio.warning(for: ratio) { warnings.append(warning) }

        let text = [("Software", "sid"), ("sid:model", model), ("sid:ratio", Self.format(ratio))]
        let image: [UInt8] = try measure(&timings.encode) {
            try encode(options: options, width: width, height: height, text: text)
        }
        let estimated: Bool
        if case .auto = options.ratio { estimated = true } else { estimated = false }
        return EnhanceResult(image: image, format: options.format, width: width, height: height, bits: options.bits, ratio: ratio,
                             ratioWasEstimated: estimated, model: model, timings: timings, warnings: warnings)
    }

    /// The image in the output buffer, in the format asked for. PNG carries sid's text chunks, TIFF the same
    /// names as ASCII tags; JPEG has no text chunks and gets none.
    private func encode(options: EnhanceOptions, width: Int, height: Int, text: [(String, String)]) throws -> [UInt8] {
        let count = width * height * 3
        let description = text.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        let tags: [(TIFFEncoder.TextTag, String)] = [(.software, "sid"), (.imageDescription, description)]
        if options.bits == 16 {
            return try rgb16.withUnsafeBufferPointer {
                let samples = UnsafeBufferPointer(rebasing: $0[0..<count])
                switch options.format {
                case .png: return try encoder.encode(rgb16: samples, width: width, height: height, text: text)
                case .tiff: return try TIFFEncoder().encode(rgb16: samples, width: width, height: height, text: tags)
                case .jpeg: throw EngineError.badParameter("JPEG holds 8 bits per sample, not 16")
                }
            }
        }
        return try rgb8.withUnsafeBufferPointer {
            let samples = UnsafeBufferPointer(rebasing: $0[0..<count])
            switch options.format {
            case .png: return try encoder.encode(rgb8: samples, width: width, height: height, text: text)
            case .tiff: return try TIFFEncoder().encode(rgb8: samples, width: width, height: height, text: tags)
            case .jpeg: return try JPEGEncoder(quality: options.quality).encode(rgb8: samples, width: width, height: height)
            }
        }
    }

    public func enhance(_ bytes: Data, options: EnhanceOptions) throws -> EnhanceResult {
        try bytes.withUnsafeBytes { try enhance($0, options: options) }
    }

    /// Runs every loaded network once on a small input, so its kernels and scratch exist before the first request.
    public func warmUp() throws {
        for (name, network) in registry.networks {
            let runner = runner(for: name, network)
            let side = 256
            let input = [Float](repeating: 0.01, count: network.architecture.inChannels * side * side)
            var output = [UInt8](repeating: 0, count: 3 * network.architecture.scale * network.architecture.scale * side * side)
            try input.withUnsafeBufferPointer { x in
                try output.withUnsafeMutableBufferPointer {
                    try runner.run(input: x, height: side, width: side, output: .rgb8($0.baseAddress!))
                }
            }
        }
    }

    /// A ratio as people write it: "100", "2.5".
    public static func format(_ ratio: Float) -> String {
        ratio == ratio.rounded() ? String(Int(ratio)) : String(format: "%.4g", ratio)
    }

    private func runner(for name: String, _ network: UNet) -> UNetRunner {
        if let runner = runners[name] { return runner }
        let runner = UNetRunner(model: network, threads: threads)
        runners[name] = runner
        return runner
    }

    /// Hands out the reused output buffer of the requested depth, grown when too small.
    private func fill(count: Int, bits: Int,
                      _ body: (UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt16>?) throws -> Void) throws {
        if bits == 16 {
            if rgb16.count < count { rgb16 = [UInt16](repeating: 0, count: count) }
            try rgb16.withUnsafeMutableBufferPointer { try body(nil, $0.baseAddress!) }
        } else {
            if rgb8.count < count { rgb8 = [UInt8](repeating: 0, count: count) }
            try rgb8.withUnsafeMutableBufferPointer { try body($0.baseAddress!, nil) }
        }
    }

    /// Whether a request for `requested` goes to the baseline: asked for by name, or no SID network is loaded
    /// (as `ModelRegistry.choose` decides, which needs no decoded raw for either case).
    static func usesBaseline(_ requested: String?, _ registry: ModelRegistry) -> Bool {
        requested == SIDModel.baselineName || (requested == nil && registry.networks.isEmpty)
    }

    /// Runs a backend call, its `RawDecodingError`s as the engine's.
    private func engineErrors<T>(_ work: () throws -> T) throws -> T {
        do {
            return try work()
        } catch let error as RawDecodingError {
            throw EngineError(error)
        }
    }

    private func measure<T>(_ seconds: inout Double, _ work: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        return try work()
    }
}
