import Foundation

/// The `name=value&...` pairs of a request target's query, percent-decoded (`+` read as a space).
struct QueryParameters: Equatable {
    /// Pairs in the order sent.
    let pairs: [(name: String, value: String)]

    /// Parses the part of `target` after the first `?`; a pair that is not valid percent-encoded UTF-8 is an error.
    init(target: String) throws {
        guard let mark = target.firstIndex(of: "?") else {
            pairs = []
            return
        }
        var pairs: [(name: String, value: String)] = []
        for piece in target[target.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: true) {
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), let value = Self.decode(parts.count > 1 ? parts[1] : "") else {
                throw ServiceError.badRequest("the query parameter \"\(piece.prefix(60))\" is not valid percent-encoded UTF-8")
            }
            pairs.append((name, value))
        }
        self.pairs = pairs
    }

    /// The path without the query.
    static func path(of target: String) -> String {
        String(target.prefix { $0 != "?" })
    }

    static func == (lhs: QueryParameters, rhs: QueryParameters) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.name == $1.name && $0.value == $1.value }
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
