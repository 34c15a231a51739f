import CLibRaw
import Foundation

/// The paper's "traditional pipeline" baseline: amplify the raw by the exposure ratio, then LibRaw's processing.
///
/// LibRaw settings (dcraw flags in brackets):
/// - amplification before processing: `(v - black) * ratio + black` per 2x2 cell position, clipped to [0, white];
/// - camera white balance `use_camera_wb = 1` [-w];
/// - sRGB output primaries `output_color = 1` [-o 1] with the sRGB curve `gamm = (1/2.4, 12.92)` [-g 2.4 12.92];
/// - 16 bits per sample `output_bps = 16` [-4], no auto brightening `no_auto_bright = 1` [-W];
/// - demosaic `user_qual = 3` (AHD) [-q 3], full resolution `half_size = 0`. Measured on a 4256x2848 frame
///   (release build, one OpenMP thread): bilinear 0.35 s, PPG 0.47 s, AHD 0.83 s, VNG 1.25 s. AHD is both faster
///   than VNG and cleaner on edges than PPG;
/// - X-Trans raws: one-pass Markesteijn `user_qual = 2` (LibRaw's X-Trans demosaic; measured on 3000x2000: VNG
///   0.62 s, one pass 0.95 s, three passes 1.85 s, for little visible gain). LibRaw 0.20's Markesteijn refuses
///   images under 512 pixels on a side, so smaller ones use VNG `user_qual = 1`, which handles 6x6 patterns too;
/// - highlights clipped `highlight = 0` [-H 0];
/// - `adjust_maximum_thr = 0` so LibRaw never lowers the white level to the brightest pixel it finds, which would
///   brighten dim frames by a data-dependent amount;
/// - `user_flip = 0`: sensor orientation, the same geometry as the model's output;
/// - for the cameras SID was trained on (Sony ILCE-7SM2: black 512, Fujifilm X-T2: black 1024; white 16383) LibRaw
///   is told those levels (`user_black`, `user_cblack`, `user_sat`), the ones the decoder and the models use.
public struct BaselineRenderer: Sendable {
    private let decoder: RawDecoder

    public init(maxPixels: Int = 100_000_000) {
        decoder = RawDecoder(maxPixels: maxPixels)
    }

    /// Renders a raw brightened by `ratio` to 16-bit sRGB in one LibRaw session: the file is opened and unpacked
    /// once, and `auto` is estimated from that unpacked mosaic, so the caller needs no separate decode.
    /// Throws `RawDecodingError`, or `ExposureRatioError` for a fixed ratio outside (0, 1000].
    public func render(_ bytes: UnsafeRawBufferPointer, ratio: ExposureRatio) throws -> BaselineRendering {
        if case let .fixed(value) = ratio, !(value.isFinite && value > 0 && value <= ExposureRatio.maximum) {
            throw ExposureRatioError.invalid("\(value)")
        }
        let session = try LibRawSession()
        try session.open(bytes)
        let mosaic = try decoder.checkUsable(session)
        try session.unpack()
        // Levels are read after unpacking, as `RawDecoder.decode` reads them.
        let metadata = session.metadata(layout: session.sensorLayout)
        let levels = session.levels
        try FrameIntegrity.check(session, blackLevels: levels.black)
        try RawDecoder.checkLevels(black: levels.black, white: levels.white)
        let applied: Float
        switch ratio {
        case let .fixed(value):
            applied = value
        case .auto:
            // The visible copy lives only for the estimate; LibRaw's processing below needs its own buffers.
            applied = ExposureRatio.estimate(for: RawImage(metadata: metadata, pixels: try session.visiblePixels(),
                                                           mosaic: mosaic))
        }

        let start = ContinuousClock.now
        try session.amplify(by: applied, black: levels.black, white: levels.white)
        var parameters = session.parameters
        parameters.use_camera_wb = 1
        parameters.output_color = 1
        parameters.output_bps = 16
        parameters.no_auto_bright = 1
        parameters.gamm.0 = 1 / 2.4
        parameters.gamm.1 = 12.92
        parameters.user_qual = Self.demosaicQuality(mosaic, width: session.visibleWidth, height: session.visibleHeight)
        parameters.half_size = 0
        parameters.highlight = 0
        parameters.adjust_maximum_thr = 0
        parameters.user_flip = 0
        if let trained = LibRawSession.trainedLevels(make: session.make, model: session.model) {
            parameters.user_black = Int32(trained.black)
            parameters.user_cblack = (0, 0, 0, 0)
            parameters.user_sat = Int32(trained.white)
        }
        session.parameters = parameters

        let rendered = try session.process()
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        return BaselineRendering(
            image: RGBImage16(width: rendered.width, height: rendered.height, pixels: rendered.pixels),
            metadata: metadata, mosaic: mosaic, ratio: applied,
            renderSeconds: Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// As `render(_:ratio:)`, from `Data`.
    public func render(_ data: Data, ratio: ExposureRatio) throws -> BaselineRendering {
        try data.withUnsafeBytes { try render($0, ratio: ratio) }
    }

    /// LibRaw's `user_qual`: 0 linear, 1 VNG, 2 PPG (one-pass Markesteijn on X-Trans), 3 AHD.
    static func demosaicQuality(_ mosaic: MosaicPattern, width: Int, height: Int) -> Int32 {
        switch mosaic {
        case .bayer: return 3
        case .xTrans: return min(width, height) >= minimumMarkesteijnSide ? 2 : 1
        }
    }

    /// LibRaw 0.20's `xtrans_interpolate` fails with an I/O error below one 512-pixel tile.
    static let minimumMarkesteijnSide = 512
}

/// A rendered image: 16-bit sRGB-encoded samples, interleaved R, G, B, row-major.
public struct RGBImage16: Sendable {
    public let width: Int
    public let height: Int
    /// `width * height * 3` values.
    public let pixels: [UInt16]

    public init(width: Int, height: Int, pixels: [UInt16]) {
        precondition(pixels.count == width * height * 3, "pixels must hold width x height RGB triples")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// What one baseline rendering made: the image, what the header said, and the ratio applied.
public struct BaselineRendering: Sendable {
    public let image: RGBImage16
    public let metadata: RawMetadata
    public let mosaic: MosaicPattern
    /// The ratio applied: the one asked for, or the `auto` estimate from the unpacked mosaic.
    public let ratio: Float
    /// Time spent amplifying and in LibRaw's processing (demosaic, colour, gamma): the baseline's "forward"
    /// stage; opening and unpacking the file is decoding.
    public let renderSeconds: Double

    public init(image: RGBImage16, metadata: RawMetadata, mosaic: MosaicPattern, ratio: Float, renderSeconds: Double) {
        self.image = image
        self.metadata = metadata
        self.mosaic = mosaic
        self.ratio = ratio
        self.renderSeconds = renderSeconds
    }
}
