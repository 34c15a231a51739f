import HTTPTypes

/// The paths the service answers, and the methods each allows.
enum Route: String, CaseIterable {
    case home = "/"
    case enhance = "/v1/enhance"
    case models = "/v1/models"
    case health = "/healthz"
    case ready = "/readyz"
    case metrics = "/metrics"

    /// The route of a request target (query ignored); nil for any other path.
    init?(target: String) {
        self.init(rawValue: QueryParameters.path(of: target))
    }

    var allowedMethods: [HTTPRequest.Method] {
        self == .enhance ? [.post] : [.get, .head]
    }

    /// The `route` label of a request's metrics: one of the routes, or "unmatched" so that scanners probing
    /// random paths cannot create unbounded label values.
    static func metricLabel(target: String?) -> String {
        guard let target else { return "unparsed" }
        return Route(target: target)?.rawValue ?? "unmatched"
    }
}
