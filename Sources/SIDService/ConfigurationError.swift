/// A `sid serve` setting that cannot be used, from a flag or an environment variable.
public enum ConfigurationError: Error, CustomStringConvertible, Equatable {
    /// `name` is the flag or variable, `expected` what it should have been.
    case invalid(name: String, value: String, expected: String)
    case incompleteTLS

    public var description: String {
        switch self {
        case let .invalid(name, value, expected):
            return "\(name) is \"\(value)\", but it must be \(expected)"
        case .incompleteTLS:
            return "TLS needs both --tls-cert and --tls-key (or SID_TLS_CERT and SID_TLS_KEY)"
        }
    }
}
