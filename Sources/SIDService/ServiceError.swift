import Foundation
import HTTPTypes
import SIDEngine
import SIDHTTP

/// Why the service could not answer a request with what was asked; each case is one problem+json response.
enum ServiceError: Error, CustomStringConvertible, Equatable {
    case badRequest(String)
    case notFound(path: String)
    case methodNotAllowed(method: String, allowed: [HTTPRequest.Method])
    /// A method the service implements nowhere (CONNECT, PRI, ...).
    case notImplemented(method: String)
    case unsupportedMediaType(String)
    case unusableRaw(String)
    /// Accept allows none of the formats the service writes.
    case notAcceptable(String)
    /// A CORS preflight from an origin not in --cors-origin, or for a method the route does not allow.
    case forbiddenOrigin(String)
    /// No API key (`invalid` false) or one that is not among the keys (true).
    case unauthorized(invalid: Bool)
    /// The caller's key already has this many enhancements in flight.
    case tooManyForKey(limit: Int)
    case starting
    case draining
    case queueFull(capacity: Int)
    case queueTimeout(seconds: Double)
    case clientClosed
    case internalError(String)

    /// The engine's errors, sorted by the status the engine says they deserve.
    init(_ error: EngineError) {
        switch error.httpStatus {
        case 400: self = .badRequest(error.description)
        case 415: self = .unsupportedMediaType(error.description)
        case 422: self = .unusableRaw(error.description)
        default: self = .internalError(error.description)
        }
    }

    /// nginx's code for a client that went away before its answer: never sent, but logged and counted.
    static let clientClosedStatus = HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request")

    var status: HTTPResponse.Status {
        switch self {
        case .badRequest: return .badRequest
        case .notFound: return .notFound
        case .methodNotAllowed: return .methodNotAllowed
        case .notImplemented: return .notImplemented
        case .unauthorized: return .unauthorized
        case .tooManyForKey: return .tooManyRequests
        case .unsupportedMediaType: return .unsupportedMediaType
        case .unusableRaw: return .unprocessableContent
        case .notAcceptable: return .notAcceptable
        case .forbiddenOrigin: return .forbidden
        case .starting, .draining, .queueFull, .queueTimeout: return .serviceUnavailable
        case .clientClosed: return Self.clientClosedStatus
        case .internalError: return .internalServerError
        }
    }

    /// Seconds a client should wait before trying again, for the 503s.
    var retryAfterSeconds: Int? {
        switch self {
        case .starting: return 5
        case .draining: return 10
        case .queueFull, .queueTimeout, .tooManyForKey: return 2
        default: return nil
        }
    }

    var description: String {
        switch self {
        case let .badRequest(text), let .unsupportedMediaType(text), let .unusableRaw(text), let .notAcceptable(text),
             let .forbiddenOrigin(text):
            return Self.sentence(text)
        case let .notFound(path):
            return "There is nothing at \(path). The service answers POST /v1/enhance, GET /v1/models, /v1/limits, /openapi.json, /healthz, /readyz, /metrics and /."
        case let .methodNotAllowed(method, allowed):
            return "\(method) is not allowed here; use \(allowed.map(\.rawValue).joined(separator: " or "))."
        case let .notImplemented(method):
            return "\(method) is not something this service does; it answers GET, HEAD and POST."
        case let .unauthorized(invalid):
            return invalid ? "The API key is not valid for this service."
                : "This service needs an API key: send Authorization: Bearer KEY (or X-API-Key: KEY)."
        case let .tooManyForKey(limit):
            return "This API key already has \(limit) enhancement\(limit == 1 ? "" : "s") in flight; retry when one has finished."
        case .starting:
            return "The service is still loading its model and warming up; retry in a few seconds."
        case .draining:
            return "The service is shutting down and takes no new work; retry on another instance."
        case let .queueFull(capacity):
            return "Every worker is busy and the queue already holds \(capacity) job\(capacity == 1 ? "" : "s"); retry shortly."
        case let .queueTimeout(seconds):
            return "The job waited more than \(String(format: "%g", seconds)) seconds for a worker and was dropped; retry when the service is less busy."
        case .clientClosed:
            return "The client closed the connection before the answer was ready."
        case let .internalError(text):
            return "The service failed: " + Self.sentence(text)
        }
    }

    /// The problem+json response, with Allow / Retry-After where they belong.
    func response(requestID: String?) -> HTTPResponseMessage {
        var fields = HTTPFields()
        if case let .methodNotAllowed(_, allowed) = self {
            fields[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        }
        if let seconds = retryAfterSeconds { fields[.retryAfter] = String(seconds) }
        if case let .unauthorized(invalid) = self {
            fields[.wwwAuthenticate] = invalid ? "Bearer realm=\"sid\", error=\"invalid_token\"" : "Bearer realm=\"sid\""
        }
        if let requestID { fields[ServiceHeaders.requestID] = requestID }
        return ProblemDetails(status: status, detail: description).response(headerFields: fields)
    }

    /// Engine and parser messages start lower-case and lack a full stop; a problem detail reads as a sentence.
    private static func sentence(_ text: String) -> String {
        guard let first = text.first else { return text }
        let capitalised = first.uppercased() + text.dropFirst()
        return capitalised.hasSuffix(".") ? capitalised : capitalised + "."
    }
}
