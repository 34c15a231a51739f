/// Which of the U-Net's Winograd convolutions run F(6x6, 3x3) instead of F(4x4, 3x3).
///
/// F(6x6) needs a fifth fewer multiplications per output but rounds about ten times more, and its 6-row
/// units add lookahead to the row rings (`StreamGraph`) and 64/36 to the layer's filter memory. So it is
/// chosen per layer, from the error and speed table in bench/README.md ("Winograd F(6x6) per layer").
public struct WinogradPlan: Equatable, Sendable {
    /// PyTorch names of the convolutions computed by F(6x6) (conv1_2 ... conv9_2; conv1_1 is always direct).
    public var f6x6Layers: Set<String>

    public init(f6x6Layers: Set<String>) { self.f6x6Layers = f6x6Layers }

    /// Every 3x3 convolution the U-Net computes by Winograd.
    public static let winogradLayers: [String] =
        ["conv1_2"] + (2...5).flatMap { ["conv\($0)_1", "conv\($0)_2"] } + (6...9).flatMap { ["conv\($0)_1", "conv\($0)_2"] }

    /// F(4x4) everywhere: the forward pass before F(6x6).
    public static let f4x4 = WinogradPlan(f6x6Layers: [])

    /// F(6x6) on every Winograd layer, for measuring.
    public static let f6x6 = WinogradPlan(f6x6Layers: Set(winogradLayers))

    /// The measured choice (bench/README.md): the level-2 and level-1 convs whose unit has many tiles and whose
    /// GEMM share is large (the decoder's concat inputs, conv2_1's 64 outputs) came out 5-12% faster under
    /// F(6x6) in repeated runs; elsewhere its transforms and, at levels 4-5, its 1.8x larger filters read once
    /// per unit ate the fifth of multiplications it saves. Errors leave every layer free to choose.
    public static let standard = WinogradPlan(f6x6Layers: ["conv2_1", "conv8_1", "conv9_1"])

    /// The plan a text names (`sid bench --winograd-f6x6`, for measuring any choice without a rebuild): "all",
    /// "none" or a comma-separated list of Winograd layers such as "conv1_2,conv9_2"; nil for anything else.
    public init?(naming text: String) {
        switch text {
        case "all": self = .f6x6
        case "none": self = .f4x4
        default:
            let names = Set(text.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
            guard !names.isEmpty, names.isSubset(of: Self.winogradLayers) else { return nil }
            self.init(f6x6Layers: names)
        }
    }
}
