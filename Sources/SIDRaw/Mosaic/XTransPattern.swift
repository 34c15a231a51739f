/// A Fuji X-Trans 6x6 colour filter as it lies over the visible area, and where the SID Fuji model's layout starts.
///
/// Every X-Trans sensor uses the same 6x6 arrangement (20 green, 8 red, 8 blue); cameras differ only in which of
/// its 36 phases sits at the visible origin. The SID Fuji model was trained on the X-T2, whose visible area starts
/// at the phase `sidFuji` shows, so a raw at another phase is packed from `modelOrigin` on, where the X-T2 phase is.
public struct XTransPattern: Equatable, Sendable, CustomStringConvertible {
    /// The X-T2's pattern at its visible origin (LibRaw's `idata.xtrans`), the phase the SID authors' `pack_raw`
    /// assumes: its red photosites are where their channels 0 and 3 read, blue where 2 and 4 read.
    public static let sidFuji = XTransPattern(checkedRows: ["RBGBRG", "GGRGGB", "GGBGGR", "BRGRBG", "GGBGGR", "GGRGGB"])

    /// The pattern repeats every `period` rows and columns.
    public static let period = 6

    /// 36 colours, row-major from the visible origin.
    public let colours: [CFAPattern.Colour]
    private let originRow: Int
    private let originCol: Int

    /// Recognises six rows of six letters R, G or B read from the visible origin; nil unless they are the
    /// X-Trans layout at some phase.
    public init?(rows: [String]) {
        guard rows.count == Self.period, rows.allSatisfy({ $0.count == Self.period }) else { return nil }
        let colours = rows.joined().map { letter -> CFAPattern.Colour? in
            switch letter {
            case "R": return .red
            case "G": return .green
            case "B": return .blue
            default: return nil
            }
        }
        self.init(colours: colours.compactMap { $0 })
    }

    /// Recognises 36 colours, row-major from the visible origin; nil unless they are the X-Trans layout at some phase.
    public init?(colours: [CFAPattern.Colour]) {
        guard colours.count == Self.period * Self.period else { return nil }
        // X-Trans repeats under a shift of (3, 3), so two origins match; the one in rows 0...2 is used.
        for originRow in 0 ..< Self.period {
            for originCol in 0 ..< Self.period
                where Self.matchesSIDFuji(colours, originRow: originRow, originCol: originCol) {
                self.colours = colours
                self.originRow = originRow
                self.originCol = originCol
                return
            }
        }
        return nil
    }

    /// For the table above only, which is the X-T2 phase by definition.
    private init(checkedRows rows: [String]) {
        colours = rows.joined().map { $0 == "R" ? .red : $0 == "G" ? .green : .blue }
        originRow = 0
        originCol = 0
    }

    /// Where the X-T2's 6x6 phase starts, counting from the visible origin; both coordinates are in 0...5.
    public var modelOrigin: (row: Int, col: Int) { (originRow, originCol) }

    /// Six rows of six letters R, G, B from the visible origin.
    public var rows: [String] {
        (0 ..< Self.period).map { row in
            String(colours[row * Self.period ..< (row + 1) * Self.period].map { colour -> Character in
                switch colour {
                case .red: return "R"
                case .green: return "G"
                case .blue: return "B"
                }
            })
        }
    }

    public var description: String { rows.joined(separator: "/") }

    /// Colour at any visible coordinate.
    public func colour(row: Int, col: Int) -> CFAPattern.Colour {
        colours[(row % Self.period) * Self.period + col % Self.period]
    }

    /// The pattern seen by a visible area that starts `rows` down and `columns` across from this one's origin.
    func shifted(rows: Int, columns: Int) -> XTransPattern {
        let period = Self.period
        // Adding a whole period keeps negative shifts non-negative for `%`.
        let rowShift = rows % period + period, colShift = columns % period + period
        let shifted = (0 ..< period * period).map { colour(row: $0 / period + rowShift, col: $0 % period + colShift) }
        // A shifted X-Trans layout is still the X-Trans layout.
        return XTransPattern(colours: shifted)!
    }

    public static func == (lhs: XTransPattern, rhs: XTransPattern) -> Bool {
        lhs.colours == rhs.colours
    }

    private static func matchesSIDFuji(_ colours: [CFAPattern.Colour], originRow: Int, originCol: Int) -> Bool {
        let period = Self.period
        for row in 0 ..< period {
            for col in 0 ..< period {
                let here = colours[((originRow + row) % period) * period + (originCol + col) % period]
                if here != sidFuji.colours[row * period + col] { return false }
            }
        }
        return true
    }
}
