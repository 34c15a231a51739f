import HTTPTypes

/// The header fields the service reads and writes beyond the standard ones.
enum ServiceHeaders {
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let serverTiming = HTTPField.Name("Server-Timing")!
    /// The exposure ratio applied (estimated when the request said `auto`).
    static let ratio = HTTPField.Name("X-SID-Ratio")!
    /// Whether the ratio was estimated: "auto" or "given".
    static let ratioSource = HTTPField.Name("X-SID-Ratio-Source")!
    static let model = HTTPField.Name("X-SID-Model")!
    /// One per engine warning, e.g. a ratio beyond SID's training range.
    static let warning = HTTPField.Name("X-SID-Warning")!
}
