import HTTPTypes

/// Which other origins may call the API from a browser (`--cors-origin`), and the headers that say so. None by
/// default: without an allowlist the service sends no CORS headers and browsers keep other origins out.
struct CORSPolicy: Sendable, Equatable {
    /// Exact origins ("https://photos.example.com"), or "*" for any.
    let allowedOrigins: [String]

    static let none = CORSPolicy(allowedOrigins: [])

    /// Methods a preflight may ask for.
    static let methods = "GET, HEAD, POST"
    /// Request headers a cross-origin caller may send beyond the CORS-safelisted ones.
    static let allowedHeaders = "Authorization, Content-Type, X-API-Key, X-Request-Id"
    /// Response headers a cross-origin script may read.
    static let exposedHeaders = "X-SID-Ratio, X-SID-Ratio-Source, X-SID-Model, X-SID-Warning, X-SID-Ignored-Parameters, "
        + "X-Request-Id, Server-Timing, Retry-After"
    /// Seconds a browser may cache a preflight's answer.
    static let maxAge = "600"

    var isEnabled: Bool { !allowedOrigins.isEmpty }

    func allows(_ origin: String) -> Bool {
        allowedOrigins.contains("*") || allowedOrigins.contains(origin)
    }

    /// Headers for an actual (non-preflight) response to a request from `origin`; none when it is not allowed.
    func responseFields(origin: String?) -> HTTPFields {
        var fields = HTTPFields()
        guard isEnabled else { return fields }
        // The answer depends on Origin whenever an allowlist is set, allowed or not: caches must key on it.
        fields[.vary] = "Origin"
        guard let origin, allows(origin) else { return fields }
        fields[.accessControlAllowOrigin] = origin
        fields[.accessControlExposeHeaders] = Self.exposedHeaders
        return fields
    }

    /// The answer to a preflight (OPTIONS with Origin and Access-Control-Request-Method) for a route allowing
    /// `routeMethods`: 204 with the grants, or nil when the origin or method is not allowed (the caller refuses).
    func preflightFields(origin: String, requestedMethod: String, routeMethods: [HTTPRequest.Method]) -> HTTPFields? {
        guard allows(origin), routeMethods.map(\.rawValue).contains(requestedMethod) else { return nil }
        var fields = HTTPFields()
        fields[.vary] = "Origin"
        fields[.accessControlAllowOrigin] = origin
        fields[.accessControlAllowMethods] = routeMethods.map(\.rawValue).joined(separator: ", ")
        fields[.accessControlAllowHeaders] = Self.allowedHeaders
        fields[.accessControlMaxAge] = Self.maxAge
        return fields
    }
}
