import SIDImage

/// Which image format an enhancement answers with: `format=` when the request gives it, else the `Accept` range
/// the service can satisfy best (RFC 9110 12.5.1), PNG when the client states no preference.
enum OutputNegotiation {
    /// - Throws: 400 for a `format=` value that names no format, 406 when `Accept` excludes every format.
    static func format(parameter: String?, accept: String?) throws -> ImageFormat {
        if let parameter {
            guard let format = ImageFormat(name: parameter.trimmingCharacters(in: .whitespaces)) else {
                throw ServiceError.badRequest("format must be \(Self.names), not \"\(parameter.prefix(40))\"")
            }
            return format
        }
        guard let accept, !accept.trimmingCharacters(in: .whitespaces).isEmpty else { return .png }
        let ranges = accept.split(separator: ",").compactMap(MediaRange.init)
        // Each format takes the q of the most specific range that matches it; the best q wins, a more specific
        // match breaks a tie ("image/jpeg, */*" is a request for JPEG), then the order of ImageFormat.allCases.
        var best: (format: ImageFormat, q: Double, specificity: Int)?
        for format in ImageFormat.allCases {
            guard let match = ranges.filter({ $0.matches(format.mediaType) }).max(by: { $0.specificity < $1.specificity }),
                  match.q > 0 else { continue }
            if best == nil || match.q > best!.q || (match.q == best!.q && match.specificity > best!.specificity) {
                best = (format, match.q, match.specificity)
            }
        }
        guard let best else {
            throw ServiceError.notAcceptable("this service answers with \(ImageFormat.allCases.map(\.mediaType).joined(separator: ", ")); "
                + "Accept: \(accept.prefix(120)) allows none of them")
        }
        return best.format
    }

    static let names = ImageFormat.allCases.map(\.rawValue).joined(separator: ", ")

    /// One element of an Accept header: `type/subtype` with its weight.
    struct MediaRange {
        let type: String
        let subtype: String
        let q: Double

        init?(_ element: Substring) {
            let pieces = element.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let range = pieces.first, case let halves = range.split(separator: "/"), halves.count == 2 else { return nil }
            type = String(halves[0])
            subtype = String(halves[1])
            var weight = 1.0
            for parameter in pieces.dropFirst() where parameter.hasPrefix("q=") {
                weight = Double(parameter.dropFirst(2)).map { min(max($0, 0), 1) } ?? 1
            }
            q = weight
        }

        /// 2 for type/subtype, 1 for type/*, 0 for */*.
        var specificity: Int { type == "*" ? 0 : subtype == "*" ? 1 : 2 }

        func matches(_ mediaType: String) -> Bool {
            let halves = mediaType.split(separator: "/")
            return (type == "*" || type == halves[0]) && (subtype == "*" || subtype == halves[1])
        }
    }
}
