/// The two published SID networks, which differ only in the sensor they read: the one definition of what
/// `sid-sony` and `sid-fuji` are (channels, pixel shuffle, mosaic), used by the network, the loader, the
/// converter and the engine's model choice.
public enum SIDModel: String, Sendable, CaseIterable {
    /// Sony A7S II (Bayer): 4 packed channels in, 12 out, pixel shuffle by 2.
    case sony = "sid-sony"
    /// Fuji X-T2 (X-Trans): 9 packed channels in, 27 out, pixel shuffle by 3.
    case fuji = "sid-fuji"

    /// The name of the model that is not a network: the traditional pipeline every process can run.
    public static let baselineName = "baseline"

    /// The colour filter layouts the networks are trained on. Kept apart from the raw decoder's own type so
    /// that the model definition and raw decoding do not depend on each other; the engine maps one to the other.
    public enum Mosaic: Sendable, CaseIterable {
        /// 2x2 cells (any of the four Bayer orders), packed into 4 channels.
        case bayer
        /// Fuji's 6x6 X-Trans blocks, packed into 9 channels.
        case xTrans

        /// The sensor as people call it, for messages.
        public var name: String {
            switch self {
            case .bayer: return "Bayer"
            case .xTrans: return "Fuji X-Trans"
            }
        }
    }

    /// The model trained for a mosaic.
    public init(mosaic: Mosaic) {
        switch mosaic {
        case .bayer: self = .sony
        case .xTrans: self = .fuji
        }
    }

    /// The model with these channel counts, if any.
    public init?(inputChannels: Int, outputChannels: Int) {
        guard let model = Self.allCases.first(where: {
            $0.inputChannels == inputChannels && $0.outputChannels == outputChannels
        }) else { return nil }
        self = model
    }

    /// The mosaic of the raws this model reads.
    public var mosaic: Mosaic {
        switch self {
        case .sony: return .bayer
        case .fuji: return .xTrans
        }
    }

    /// Channels of the packed raw input.
    public var inputChannels: Int {
        switch self {
        case .sony: return 4
        case .fuji: return 9
        }
    }

    /// The pixel-shuffle upscaling factor that turns the output channels into RGB pixels.
    public var scale: Int {
        switch self {
        case .sony: return 2
        case .fuji: return 3
        }
    }

    /// Channels of the last convolution: 3 colours times scale squared.
    public var outputChannels: Int { 3 * scale * scale }
}
