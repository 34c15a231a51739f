/// How a packed image is cut into overlapping tiles so that memory stays bounded whatever its size.
/// `UNetRunner` streams rows, so it only uses the column spans: an image wider than its band limit is
/// run as overlapping column bands.
///
/// Every tile starts on the 16-pixel grid of the four 2x2 pools and ends on that grid or at the image
/// edge, so pooling and the cropped transposed convs see the same structure as in whole-image inference.
/// Each tile's core (the part whose output is kept) is surrounded by `UNetArchitecture.tileMargin`
/// pixels of context, which covers the receptive field: the stitched result equals the untiled one.
public struct TilePlan: Equatable, Sendable {
    /// One axis segment: `tile` is what the network runs on, `core` is what it keeps.
    public struct Span: Equatable, Sendable {
        public let tile: Range<Int>
        public let core: Range<Int>
    }

    public struct Tile: Equatable, Sendable {
        public let rows: Span
        public let columns: Span
    }

    public let height: Int
    public let width: Int
    public let rows: [Span]
    public let columns: [Span]

    /// - Parameter maxTile: the largest tile edge in packed pixels (rounded down to a multiple of 16).
    public init(height: Int, width: Int, maxTile: Int, margin: Int = UNetArchitecture.tileMargin) {
        precondition(height > 0 && width > 0)
        let edge = max(maxTile / 16 * 16, 2 * margin + 16)
        self.height = height
        self.width = width
        self.rows = Self.spans(length: height, maxTile: edge, margin: margin)
        self.columns = Self.spans(length: width, maxTile: edge, margin: margin)
    }

    public var tiles: [Tile] {
        rows.flatMap { r in columns.map { c in Tile(rows: r, columns: c) } }
    }

    /// The largest tile height and width this plan runs: what the buffers must hold.
    public var largestTile: (height: Int, width: Int) {
        (rows.map(\.tile.count).max() ?? 0, columns.map(\.tile.count).max() ?? 0)
    }

    static func spans(length: Int, maxTile: Int, margin: Int) -> [Span] {
        if length <= maxTile { return [Span(tile: 0..<length, core: 0..<length)] }
        let maxCore = maxTile - 2 * margin
        let count = (length + maxCore - 1) / maxCore
        let core = ((length + count - 1) / count + 15) / 16 * 16
        var spans: [Span] = []
        var start = 0
        while start < length {
            let end = min(start + core, length)
            spans.append(Span(tile: max(0, start - margin)..<min(length, end + margin), core: start..<end))
            start = end
        }
        return spans
    }
}
