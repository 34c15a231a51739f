import Dispatch
import Foundation
import SIDImage
import SIDModel
import SIDNetwork
import SIDRaw

/// Raw bytes in, an image file (PNG, JPEG or TIFF) out: decode, pack (2x2 Bayer or 6x6 X-Trans), run the network, encode; or, for the
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

    /// Decode, render, encode in a row, the output written into this enhancer's reused buffers.
    public func enhance(_ bytes: UnsafeRawBufferPointer, options: EnhanceOptions,
                        layerTimings: LayerTimings? = nil) throws -> EnhanceResult {
        let decoded = try decode(bytes, options: options)
        return try finish(decoded, layerTimings: layerTimings)
    }

    /// Stages 2 and 3 of a raw `decode` made (possibly on another thread, possibly another enhancer's): the same
    /// result as `enhance` on its bytes.
    public func enhance(_ decoded: DecodedRaw, layerTimings: LayerTimings? = nil) throws -> EnhanceResult {
        try finish(decoded, layerTimings: layerTimings)
    }

    /// Whether `enhance(decoded)` encodes while the network runs (a PNG that needs no turn, from a SID network):
    /// then a pipeline gains nothing from encoding on another thread, and the output is not copied.
    public func encodesWhileRendering(_ decoded: DecodedRaw) -> Bool {
        guard decoded.options.format == .png, case .network = decoded.content else { return false }
        return decoded.options.geometry != .upright || Orientation(flip: decoded.metadata.flip).isIdentity
    }

    /// Stage 1: LibRaw (in-process or isolated), the model and ratio chosen; for the baseline, the whole rendering.
    /// It touches only the backend and the registry, neither of which changes, so it may run on another thread
    /// while `render` runs (a batch decodes the next file during the current forward pass).
    public func decode(_ bytes: UnsafeRawBufferPointer, options: EnhanceOptions) throws -> DecodedRaw {
        try options.validate()
        var timings = StageTimings()
        var warnings: [String] = []
        if Self.usesBaseline(options.model, registry) {
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
            return DecodedRaw(content: .baseline(rendering), options: options, timings: timings, warnings: warnings)
        }
        let raw: RawImage = try measure(&timings.decode) { try engineErrors { try backend.decode(bytes) } }
        let model = try registry.choose(options.model, for: raw)
        let ratio = options.ratio.value(for: raw)
        return DecodedRaw(content: .network(model: model, raw: raw, ratio: ratio), options: options,
                          timings: timings, warnings: warnings)
    }

    /// Stage 2: packing and the forward pass (or the baseline's samples), turned as the options say, into an image
    /// that owns its samples. Not reentrant: it uses this enhancer's runners.
    public func render(_ decoded: DecodedRaw, layerTimings: LayerTimings? = nil) throws -> RenderedImage {
        var timings = decoded.timings
        let (model, ratio, width, height) = try forward(decoded, timings: &timings, layerTimings: layerTimings)
        let orientation = Orientation(flip: decoded.metadata.flip)
        let turn = decoded.options.geometry == .upright ? orientation : Orientation(flip: 0)
        let out = turn.size(width: width, height: height)
        let count = width * height * 3
        // The turn (or copy) is output writing, counted with encoding.
        let samples: RenderedImage.Samples = measure(&timings.encode) {
            if decoded.options.bits == 16 {
                return .rgb16(rgb16.withUnsafeBufferPointer { Self.turned($0.baseAddress!, count, width, height, turn) })
            }
            return .rgb8(rgb8.withUnsafeBufferPointer { Self.turned($0.baseAddress!, count, width, height, turn) })
        }
        return RenderedImage(
            samples: samples, width: out.width, height: out.height, model: model, ratio: ratio,
            metadata: decoded.metadata, remainingOrientation: turn.isIdentity ? orientation : Orientation(flip: 0),
            options: decoded.options, timings: timings, warnings: decoded.warnings)
    }

    /// Stage 3: the PNG, with sid's text chunks and, unless stripped, the camera's eXIf. It uses only the encoder
    /// settings, so it may run on another thread while `render` runs.
    public func encode(_ image: RenderedImage) throws -> EnhanceResult {
        var timings = image.timings
        let encoded: [UInt8] = try measure(&timings.encode) {
            let orientation = image.remainingOrientation
            switch image.samples {
            case let .rgb8(samples):
                return try samples.withUnsafeBufferPointer {
                    try encode(rgb8: $0, rgb16: nil, width: image.width, height: image.height, options: image.options,
                               model: image.model, ratio: image.ratio, metadata: image.metadata, orientation: orientation)
                }
            case let .rgb16(samples):
                return try samples.withUnsafeBufferPointer {
                    try encode(rgb8: nil, rgb16: $0, width: image.width, height: image.height, options: image.options,
                               model: image.model, ratio: image.ratio, metadata: image.metadata, orientation: orientation)
                }
            }
        }
        return result(image: encoded, width: image.width, height: image.height, options: image.options, ratio: image.ratio,
                      model: image.model, timings: timings, warnings: image.warnings)
    }

    /// Stages 2 and 3 without copying the output when it needs no turn: the image is encoded from the reused
    /// buffer, and a PNG's stripes are deflated while the network still computes the rows below them.
    private func finish(_ decoded: DecodedRaw, layerTimings: LayerTimings?) throws -> EnhanceResult {
        let orientation = Orientation(flip: decoded.metadata.flip)
        if decoded.options.geometry == .upright && !orientation.isIdentity {
            return try encode(render(decoded, layerTimings: layerTimings))
        }
        var timings = decoded.timings
        let options = decoded.options
        let streamed = encodesWhileRendering(decoded)
            ? PNGStreaming(encoder: encoder) { [options] model, ratio in
                Self.pngMetadata(model: model, ratio: ratio, metadata: decoded.metadata, options: options,
                                 orientation: orientation)
            }
            : nil
        let (model, ratio, width, height) = try forward(decoded, timings: &timings, layerTimings: layerTimings,
                                                        png: streamed)
        if let png = streamed?.file {
            return result(image: png, width: width, height: height, options: options, ratio: ratio, model: model,
                          timings: timings, warnings: decoded.warnings)
        }
        let encoded: [UInt8] = try measure(&timings.encode) {
            let count = width * height * 3
            if options.bits == 16 {
                return try rgb16.withUnsafeBufferPointer {
                    try encode(rgb8: nil, rgb16: UnsafeBufferPointer(rebasing: $0[0..<count]), width: width, height: height,
                               options: options, model: model, ratio: ratio, metadata: decoded.metadata,
                               orientation: orientation)
                }
            }
            return try rgb8.withUnsafeBufferPointer {
                try encode(rgb8: UnsafeBufferPointer(rebasing: $0[0..<count]), rgb16: nil, width: width, height: height,
                           options: options, model: model, ratio: ratio, metadata: decoded.metadata,
                           orientation: orientation)
            }
        }
        return result(image: encoded, width: width, height: height, options: options, ratio: ratio, model: model,
                      timings: timings, warnings: decoded.warnings)
    }

    /// A PNG made while the network runs: `forward` hands the output rows to a `PNGRowEncoder` as they become
    /// final and leaves the finished file here.
    private final class PNGStreaming {
        let encoder: PNGEncoder
        let metadata: (_ model: String, _ ratio: Float) -> (text: [(String, String)], exif: [UInt8])
        var file: [UInt8]?

        init(encoder: PNGEncoder, metadata: @escaping (String, Float) -> (text: [(String, String)], exif: [UInt8])) {
            self.encoder = encoder
            self.metadata = metadata
        }
    }

    /// Fills the reused buffer of the requested depth with the image in sensor geometry.
    private func forward(_ decoded: DecodedRaw, timings: inout StageTimings, layerTimings: LayerTimings?,
                         png: PNGStreaming? = nil) throws -> (model: String, ratio: Float, width: Int, height: Int) {
        let options = decoded.options
        switch decoded.content {
        case let .baseline(rendering):
            let image = rendering.image
            try fill(count: image.pixels.count, bits: options.bits) { rgb8, rgb16 in
                image.pixels.withUnsafeBufferPointer { source in
                    if let rgb16 {
                        rgb16.update(from: source.baseAddress!, count: source.count)
                    } else if let rgb8 {
                        for i in 0..<source.count { rgb8[i] = UInt8((UInt32(source[i]) * 255 + 32767) / 65535) }
                    }
                }
            }
            return (SIDModel.baselineName, rendering.ratio, image.width, image.height)
        case let .network(model, raw, ratio):
            guard let network = registry.networks[model] else { throw EngineError.modelUnavailable("model '\(model)' is not loaded") }
            var input: PackedImage? = measure(&timings.pack) {
                switch raw.mosaic {
                case .bayer: return BayerPacker.pack(raw, ratio: ratio)
                case .xTrans: return XTransPacker.pack(raw, ratio: ratio)
                }
            }
            let packed = (channels: input!.channels, width: input!.width, height: input!.height)
            guard packed.channels == network.architecture.inChannels else {
                throw EngineError.unusableRaw("model '\(model)' takes \(network.architecture.inChannels) packed channels "
                                              + "but this raw packs to \(packed.channels)")
            }
            let runner = runner(for: model, network)
            runner.cancellation = options.cancellation
            let scale = network.architecture.scale
            let width = scale * packed.width
            let height = scale * packed.height
            let start = DispatchTime.now().uptimeNanoseconds
            var ran = start
            try fill(count: width * height * 3, bits: options.bits) { rgb8, rgb16 in
                let count = width * height * 3
                var output: OutputImage = rgb16.map { .rgb16($0) } ?? .rgb8(rgb8!)
                // Cancelled or failed, the rows encoder stops before the buffer is handed to anyone else.
                let rows = try png.map { png in
                    try rgb16.map { try png.encoder.rowEncoder(rgb16: UnsafeBufferPointer(start: $0, count: count),
                                                               width: width, height: height) }
                        ?? png.encoder.rowEncoder(rgb8: UnsafeBufferPointer(start: rgb8!, count: count),
                                                  width: width, height: height)
                }
                defer { rows?.cancel() }
                if let rows { output = .reporting(output, rowsFinished: rows.rowsFinished) }
                try input?.values.withUnsafeBufferPointer { values in
                    try runner.run(input: values, height: packed.height, width: packed.width,
                                   output: output, timings: layerTimings)
                }
                // The packed input (8 bytes per sensor pixel) goes before the PNG's file is put together.
                input = nil
                ran = DispatchTime.now().uptimeNanoseconds
                if let png, let rows {
                    let (text, exif) = png.metadata(model, ratio)
                    png.file = try measure(&timings.encode) { try rows.finish(text: text, exif: exif) }
                }
            }
            timings.forward += Double(ran - start) / 1e9
            return (model, ratio, width, height)
        }
    }

    /// The first `count` samples of a buffer, turned, in a new array.
    private static func turned<Sample>(_ source: UnsafePointer<Sample>, _ count: Int, _ width: Int, _ height: Int,
                                       _ orientation: Orientation) -> [Sample] {
        [Sample](unsafeUninitializedCapacity: count) { buffer, initialized in
            if orientation.isIdentity {
                buffer.baseAddress!.initialize(from: source, count: count)
            } else {
                orientation.apply(source, width: width, height: height, into: buffer.baseAddress!)
            }
            initialized = count
        }
    }

    /// sid's text chunks, and the camera's EXIF block unless the options strip it. `orientation` is what a viewer
    /// still has to do: identity for an upright image.
    static func pngMetadata(model: String, ratio: Float, metadata: RawMetadata, options: EnhanceOptions,
                            orientation: Orientation) -> (text: [(String, String)], exif: [UInt8]) {
        let text = [("Software", "sid"), ("sid:model", model), ("sid:ratio", format(ratio))]
        let exif = cameraExif(model: model, ratio: ratio, metadata: metadata, options: options, orientation: orientation)
        return (text, exif?.bytes ?? [])
    }

    /// What the camera recorded, with sid as the software; nil when the options strip it.
    static func cameraExif(model: String, ratio: Float, metadata: RawMetadata, options: EnhanceOptions,
                           orientation: Orientation) -> CameraExif? {
        guard options.metadata == .keep else { return nil }
        var exif = CameraExif()
        exif.make = metadata.make
        exif.model = metadata.model
        exif.orientation = orientation.exifOrientation
        exif.software = "sid (model \(model), ratio \(format(ratio)))"
        exif.exposureTime = metadata.exposureTime
        exif.fNumber = metadata.aperture
        exif.iso = metadata.iso
        exif.captureTime = metadata.timestamp
        exif.focalLength = metadata.focalLength
        exif.lens = metadata.lens
        return exif
    }

    /// The image in the format the options ask for, with sid's names and, unless stripped, the camera's: PNG text
    /// chunks and eXIf, the same EXIF block in JPEG's APP1, TIFF's own Make/Model/Software/ImageDescription tags
    /// and an Exif IFD with the exposure.
    /// `orientation` is what a viewer still has to do (identity for an upright image).
    private func encode(rgb8: UnsafeBufferPointer<UInt8>?, rgb16: UnsafeBufferPointer<UInt16>?, width: Int, height: Int,
                        options: EnhanceOptions, model: String, ratio: Float, metadata: RawMetadata,
                        orientation: Orientation) throws -> [UInt8] {
        let (text, exif) = Self.pngMetadata(model: model, ratio: ratio, metadata: metadata, options: options,
                                            orientation: orientation)
        switch options.format {
        case .png:
            if let rgb16 { return try encoder.encode(rgb16: rgb16, width: width, height: height, text: text, exif: exif) }
            return try encoder.encode(rgb8: rgb8!, width: width, height: height, text: text, exif: exif)
        case .jpeg:
            guard let rgb8 else { throw EngineError.badParameter("JPEG holds 8 bits per sample, not 16") }
            return try JPEGEncoder(quality: options.quality).encode(rgb8: rgb8, width: width, height: height, exif: exif)
        case .tiff:
            let tags = Self.tiffTags(model: model, ratio: ratio, metadata: metadata, options: options)
            let camera = Self.cameraExif(model: model, ratio: ratio, metadata: metadata, options: options,
                                         orientation: orientation)
            let tiff = TIFFEncoder()
            if let rgb16 {
                return try tiff.encode(rgb16: rgb16, width: width, height: height, text: tags,
                                       orientation: orientation.exifOrientation, exif: camera)
            }
            return try tiff.encode(rgb8: rgb8!, width: width, height: height, text: tags,
                                   orientation: orientation.exifOrientation, exif: camera)
        }
    }

    /// TIFF's tags for what PNG says in text chunks and EXIF: sid in Software and ImageDescription, the camera in
    /// Make and Model unless the options strip it.
    static func tiffTags(model: String, ratio: Float, metadata: RawMetadata, options: EnhanceOptions)
        -> [(TIFFEncoder.TextTag, String)] {
        var tags: [(TIFFEncoder.TextTag, String)] = [(.software, "sid (model \(model), ratio \(format(ratio)))"),
                                                     (.imageDescription, "sid:model=\(model) sid:ratio=\(format(ratio))")]
        guard options.metadata == .keep else { return tags }
        // TIFF ASCII is 7-bit; anything else the camera wrote becomes '?', as in the EXIF block.
        func ascii(_ text: String) -> String {
            String(text.unicodeScalars.map { (0x20...0x7E).contains($0.value) ? Character($0) : "?" })
        }
        if !metadata.make.isEmpty { tags.append((.make, ascii(metadata.make))) }
        if !metadata.model.isEmpty { tags.append((.model, ascii(metadata.model))) }
        return tags
    }

    private func result(image: [UInt8], width: Int, height: Int, options: EnhanceOptions, ratio: Float, model: String,
                        timings: StageTimings, warnings: [String]) -> EnhanceResult {
        var warnings = warnings
        if let warning = ExposureRatio.warning(for: ratio) { warnings.append(warning) }
        let estimated: Bool
        if case .auto = options.ratio { estimated = true } else { estimated = false }
        return EnhanceResult(image: image, format: options.format, width: width, height: height, bits: options.bits, ratio: ratio,
                             ratioWasEstimated: estimated, model: model, timings: timings, warnings: warnings)
    }

    public func enhance(_ bytes: Data, options: EnhanceOptions) throws -> EnhanceResult {
        try bytes.withUnsafeBytes { try enhance($0, options: options) }
    }

    /// Stage 1 from `Data`.
    public func decode(_ bytes: Data, options: EnhanceOptions) throws -> DecodedRaw {
        try bytes.withUnsafeBytes { try decode($0, options: options) }
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
        try Self.measure(&seconds, work)
    }

    private static func measure<T>(_ seconds: inout Double, _ work: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        return try work()
    }
}
