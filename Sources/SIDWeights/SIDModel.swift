/// The two published SID networks, which differ only in their input and output channels.
public enum SIDModel: String, Sendable, CaseIterable {
    /// Sony A7S II (Bayer): 4 packed channels in, 12 out, pixel shuffle by 2.
    case sony = "sid-sony"
    /// Fuji X-T2 (X-Trans): 9 packed channels in, 27 out, pixel shuffle by 3.
    case fuji = "sid-fuji"

    /// Channels of the packed raw input.
    public var inputChannels: Int { self == .sony ? 4 : 9 }

    /// Channels of the last convolution: 3 colours times scale squared.
    public var outputChannels: Int { 3 * scale * scale }

    /// The pixel-shuffle upscaling factor that turns the output channels into RGB pixels.
    public var scale: Int { self == .sony ? 2 : 3 }

    /// The model with these channel counts, if any.
    public init?(inputChannels: Int, outputChannels: Int) {
        guard let model = Self.allCases.first(where: {
            $0.inputChannels == inputChannels && $0.outputChannels == outputChannels
        }) else { return nil }
        self = model
    }
}
