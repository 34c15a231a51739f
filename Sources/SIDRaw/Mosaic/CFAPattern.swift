/// The 2x2 Bayer colour filter layout, named by the colours at (0,0), (0,1), (1,0), (1,1) of the visible area.
public enum CFAPattern: String, Codable, CaseIterable, Sendable {
    case rggb = "RGGB"
    case bggr = "BGGR"
    case grbg = "GRBG"
    case gbrg = "GBRG"

    /// Colour of one photosite in the 2x2 cell.
    public enum Colour: UInt8, Sendable {
        // Raw values are the DNG CFAPattern codes.
        case red = 0, green = 1, blue = 2
    }

    /// Where the red photosite sits in the 2x2 cell that starts at the visible origin.
    public var redOrigin: (row: Int, col: Int) {
        switch self {
        case .rggb: return (0, 0)
        case .bggr: return (1, 1)
        case .grbg: return (0, 1)
        case .gbrg: return (1, 0)
        }
    }

    /// The colours at cell positions (0,0), (0,1), (1,0), (1,1).
    public var colours: [Colour] {
        switch self {
        case .rggb: return [.red, .green, .green, .blue]
        case .bggr: return [.blue, .green, .green, .red]
        case .grbg: return [.green, .red, .blue, .green]
        case .gbrg: return [.green, .blue, .red, .green]
        }
    }

    /// Colour at any visible coordinate.
    public func colour(row: Int, col: Int) -> Colour {
        colours[(row & 1) * 2 + (col & 1)]
    }

    /// Recognises a cell given as colour codes at (0,0), (0,1), (1,0), (1,1); nil unless it is one of the four layouts.
    init?(cell: [Colour]) {
        guard let match = Self.allCases.first(where: { $0.colours == cell }) else { return nil }
        self = match
    }
}
