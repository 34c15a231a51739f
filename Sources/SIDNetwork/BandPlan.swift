import SIDModel

/// How a packed image wider than `UNetRunner.maxBandWidth` is cut into overlapping column bands, so that
/// the row rings (which grow with width) stay bounded whatever its size.
///
/// Every band starts on the 16-pixel grid of the four 2x2 pools and ends on that grid or at the image
/// edge, so pooling and the cropped transposed convs see the same structure as in whole-image inference.
/// Each band's core (the columns whose output is kept) has `SIDArchitecture.tileMargin` columns of
/// context on either side, which covers the receptive field: the stitched result equals one band.
public struct BandPlan: Equatable, Sendable {
    /// `columns` is what the network runs on, `core` the columns whose output it keeps.
    public struct Span: Equatable, Sendable {
        public let columns: Range<Int>
        public let core: Range<Int>
    }

    public let bands: [Span]

    /// - Parameter maxWidth: the widest band in packed pixels (rounded down to a multiple of 16).
    public init(width: Int, maxWidth: Int, margin: Int = SIDArchitecture.tileMargin) {
        precondition(width > 0)
        let edge = max(maxWidth / 16 * 16, 2 * margin + 16)
        if width <= edge {
            bands = [Span(columns: 0..<width, core: 0..<width)]
            return
        }
        let maxCore = edge - 2 * margin
        let count = (width + maxCore - 1) / maxCore
        let core = ((width + count - 1) / count + 15) / 16 * 16
        var spans: [Span] = []
        var start = 0
        while start < width {
            let end = min(start + core, width)
            spans.append(Span(columns: max(0, start - margin)..<min(width, end + margin), core: start..<end))
            start = end
        }
        bands = spans
    }
}
