import Foundation
import HTTPTypes
import Logging
import SIDEngine
import SIDHTTP
import SIDRaw

/// Routes requests, turns enhancement requests into jobs for the worker pool, and writes the request log.
///
/// The server asks it three times per request, and one `Exchange` value travels through the three stages:
/// `head` creates it (request id, route, the parsed enhancement request), `respond` fills in what the work
/// produced (model, ratio, timings), `finished` turns it into the log line and the metrics.
struct ServiceHandler: HTTPHandler {
    let state: ServiceState
    let metrics: ServiceMetrics
    let queueTimeout: Duration
    let logger: Logger
    /// Other origins a browser may call from (--cors-origin); none by default.
    var cors = CORSPolicy.none
    /// GET /v1/limits, made once from the configuration.
    var limits: [UInt8] = []
    /// The API keys /v1/* needs; nil lets anyone call.
    var keys: APIKeyGate?
    /// The pixel budget per request: uploads whose TIFF header claims more, or that are decompression bombs,
    /// are refused before they queue.
    var maxPixels = 100_000_000
    /// Whether this handler serves the admin listener: probes and metrics only, everything else 404.
    var isAdmin = false

    /// How often a waiting connection looks whether its client is still there.
    static let disconnectPollInterval: Duration = .milliseconds(50)

    /// One request, from its head to its log line.
    struct Exchange {
        let requestID: String
        var route: Route?
        /// The query and upload kind of POST /v1/enhance, parsed from the head and reused for the body.
        var enhance: EnhanceRequest?
        var model: String?
        var ratio: String?
        var queueWait: Duration?
        var timings: StageTimings?
        /// Why the request failed, for errors the service produced.
        var detail: String?
        /// The request's Origin, for the CORS headers of its answer.
        var origin: String?
        /// The id of the caller's API key (never the key).
        var keyID: String?
        /// Parameters of /v1/enhance the service does not know, listed in every answer to it.
        var ignoredParameters: [String] = []
    }

    // MARK: - Before the body

    /// Refuses what can be refused from the head alone, so nobody uploads 25 MB to hear 404, 415 or 503.
    func head(_ head: HTTPRequest, connection: ConnectionContext) -> HTTPHeadDecision<Exchange> {
        var exchange = Exchange(requestID: RequestID.resolve(head.headerFields[ServiceHeaders.requestID]))
        exchange.origin = head.headerFields[.origin]
        do {
            if let preflight = try preflight(head, exchange: &exchange) { return .answer(preflight, exchange) }
            try check(head, into: &exchange)
            return .readBody(exchange)
        } catch {
            var response = Self.failure(error, exchange: &exchange)
            addCORS(to: &response, exchange: exchange)
            return .answer(response, exchange)
        }
    }

    /// OPTIONS on an API route (/v1/*). With Origin and Access-Control-Request-Method it is a CORS preflight:
    /// 204 with the grants when --cors-origin allows the origin and the route the method, else 403. Without them,
    /// 204 with Allow. Nil for every other request.
    private func preflight(_ head: HTTPRequest, exchange: inout Exchange) throws -> HTTPResponseMessage? {
        guard !isAdmin, head.method == .options, let route = Route(target: head.path ?? ""), route.isAPI else { return nil }
        exchange.route = route
        var fields = HTTPFields()
        if let origin = exchange.origin, let requested = head.headerFields[.accessControlRequestMethod] {
            guard let grants = cors.preflightFields(origin: origin, requestedMethod: requested,
                                                    routeMethods: route.allowedMethods) else {
                exchange.origin = nil
                throw ServiceError.forbiddenOrigin(cors.allows(origin)
                    ? "\(route.rawValue) does not allow \(requested.prefix(20)) from another origin; it allows \(route.allowedMethods.map(\.rawValue).joined(separator: ", "))"
                    : "the origin \(origin.prefix(100)) may not call this service from a browser (sid serve --cors-origin lists the ones that may)")
            }
            fields = grants
        } else {
            fields[.allow] = (route.allowedMethods + [.options]).map(\.rawValue).joined(separator: ", ")
        }
        fields[ServiceHeaders.requestID] = exchange.requestID
        return HTTPResponseMessage(status: .noContent, headerFields: fields, body: [])
    }

    /// The CORS headers of an answer to a request from an allowed origin.
    private func addCORS(to response: inout HTTPResponseMessage, exchange: Exchange) {
        for field in cors.responseFields(origin: exchange.origin) {
            // One Vary field listing everything the answer depends on.
            if field.name == .vary, let vary = response.head.headerFields[.vary] {
                response.head.headerFields[.vary] = vary + ", " + field.value
            } else {
                response.head.headerFields.append(field)
            }
        }
    }

    private func check(_ head: HTTPRequest, into exchange: inout Exchange) throws {
        // CONNECT asks for a tunnel, which this server never makes (501). Any other method is about a resource:
        // a route that does not allow it answers 405 with Allow (Schemathesis: TRACE and QUERY used to get 501).
        guard head.method != .connect else {
            throw ServiceError.notImplemented(method: head.method.rawValue)
        }
        let target = head.path ?? ""
        if head.method == .options, target == "*" {
            exchange.route = .anyResource
            return
        }
        guard let route = Route(target: target) else {
            throw ServiceError.notFound(path: String(QueryParameters.path(of: target).prefix(200)))
        }
        if isAdmin, !route.isOperational {
            throw ServiceError.notFound(path: route.rawValue)
        }
        guard route.allowedMethods.contains(head.method) else {
            throw ServiceError.methodNotAllowed(method: head.method.rawValue, allowed: route.allowedMethods)
        }
        exchange.route = route
        if route == .enhance { exchange.ignoredParameters = EnhanceParameters.unknownNames(in: target) }
        if let keys, route.needsKey {
            exchange.keyID = try keys.authenticate(head)
        }
        guard route == .enhance else { return }
        switch state.phase {
        case .starting: throw ServiceError.starting
        case .draining: throw ServiceError.draining
        case .ready: break
        }
        // Compressed uploads would reach LibRaw as compressed bytes: refused rather than misread.
        if let encoding = head.headerFields[.contentEncoding]?.trimmingCharacters(in: .whitespaces).lowercased(),
           !encoding.isEmpty, encoding != "identity" {
            throw ServiceError.unsupportedMediaType("content encoding \"\(encoding.prefix(40))\" is not supported: "
                + "send the raw file as it is, uncompressed")
        }
        exchange.enhance = try EnhanceRequest(head: head, models: state.modelNames)
        if let pool = state.pool, !pool.hasRoom {
            throw ServiceError.queueFull(capacity: pool.capacity)
        }
        if let keys, let keyID = exchange.keyID, !keys.hasRoom(for: keyID) {
            throw ServiceError.tooManyForKey(limit: keys.maxInFlightPerKey ?? 0)
        }
    }

    // MARK: - Complete requests

    func respond(to request: HTTPRequestMessage, exchange: inout Exchange,
                 connection: ConnectionContext) -> HTTPResponseMessage {
        do {
            var response = try respond(to: request, connection: connection, exchange: &exchange)
            response.head.headerFields[ServiceHeaders.requestID] = exchange.requestID
            addCORS(to: &response, exchange: exchange)
            return response
        } catch {
            var response = Self.failure(error, exchange: &exchange)
            addCORS(to: &response, exchange: exchange)
            return response
        }
    }

    private static func failure(_ error: Error, exchange: inout Exchange) -> HTTPResponseMessage {
        let serviceError = error as? ServiceError ?? .internalError("\(error)")
        exchange.detail = error is ServiceError ? serviceError.description : "\(error)"
        var response = serviceError.response(requestID: exchange.requestID)
        addIgnoredParameters(to: &response, exchange: exchange)
        return response
    }

    /// X-SID-Ignored-Parameters, on the 200 and on every error the service gives once it has read the head.
    private static func addIgnoredParameters(to response: inout HTTPResponseMessage, exchange: Exchange) {
        guard !exchange.ignoredParameters.isEmpty else { return }
        response.head.headerFields[ServiceHeaders.ignoredParameters] = exchange.ignoredParameters.joined(separator: ", ")
    }

    private func respond(to request: HTTPRequestMessage, connection: ConnectionContext,
                         exchange: inout Exchange) throws -> HTTPResponseMessage {
        switch exchange.route {
        case .enhance?: return try enhance(request, connection: connection, exchange: &exchange)
        case .health?: return Self.text("ok\n")
        case .anyResource?:
            // OPTIONS *: what the server as a whole allows.
            var fields = HTTPFields()
            fields[.allow] = "GET, HEAD, POST, OPTIONS"
            return HTTPResponseMessage(status: .ok, headerFields: fields, body: [])
        case .ready?:
            switch state.phase {
            case .ready: return Self.text("ready\n")
            case .starting: throw ServiceError.starting
            case .draining: throw ServiceError.draining
            }
        case .metrics?:
            metrics.setInFlight(connection.serverRequestsInFlight)
            metrics.setQueueDepth(state.pool?.queueDepth ?? 0)
            var fields = HTTPFields()
            fields[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            fields[.cacheControl] = "no-store"
            return HTTPResponseMessage(status: .ok, headerFields: fields, body: metrics.exposition())
        case .models?:
            guard state.phase != .starting else { throw ServiceError.starting }
            return try modelsDocument()
        case .limits?:
            return Self.json(limits)
        case .openapi?:
            return Self.json(OpenAPIDocument.bytes)
        case .home?:
            var fields = HTTPFields()
            fields[.contentType] = "text/html; charset=utf-8"
            fields[.contentSecurityPolicy] = HomePage.contentSecurityPolicy
            fields[.xContentTypeOptions] = "nosniff"
            return HTTPResponseMessage(status: .ok, headerFields: fields, body: Array(HomePage.html.utf8))
        case nil:
            throw ServiceError.internalError("a request without a route reached respond")
        }
    }

    private func enhance(_ request: HTTPRequestMessage, connection: ConnectionContext,
                         exchange: inout Exchange) throws -> HTTPResponseMessage {
        // A request whose head was accepted before draining began is in flight, and is served.
        guard let pool = state.pool, let enhance = exchange.enhance else { throw ServiceError.starting }
        let upload = try enhance.upload(body: request.body, models: state.modelNames, ignored: &exchange.ignoredParameters)
        do {
            try upload.raw.withUnsafeBytes { try TIFFLayoutCheck(maxPixels: maxPixels).check($0) }
        } catch let error as RawDecodingError {
            throw ServiceError.unusableRaw(error.description)
        }
        if let keys, let keyID = exchange.keyID {
            guard keys.acquire(keyID) else { throw ServiceError.tooManyForKey(limit: keys.maxInFlightPerKey ?? 0) }
        }
        defer { if let keys, let keyID = exchange.keyID { keys.release(keyID) } }
        let job = EnhanceJob(raw: upload.raw, options: upload.options, queueTimeout: queueTimeout)
        switch pool.submit(job) {
        case .accepted: break
        case .queueFull: throw ServiceError.queueFull(capacity: pool.capacity)
        case .stopped: throw ServiceError.draining
        }
        let result = try wait(for: job, in: pool, connection: connection)
        exchange.queueWait = job.queueWait
        exchange.timings = result.timings
        exchange.model = result.model
        exchange.ratio = Self.format(result.ratio)

        var fields = HTTPFields()
        fields[.contentType] = result.format.mediaType
        fields[.cacheControl] = "no-store"
        // The format may come from Accept; a cache must not hand a PNG to a client that asked for JPEG.
        fields[.vary] = "Accept"
        fields[ServiceHeaders.ratio] = Self.format(result.ratio)
        fields[ServiceHeaders.ratioSource] = result.ratioWasEstimated ? "auto" : "given"
        fields[ServiceHeaders.model] = result.model
        fields[ServiceHeaders.serverTiming] = ServerTiming(
            queueSeconds: WorkerPool.seconds(job.queueWait ?? .zero), timings: result.timings).headerValue
        for warning in result.warnings {
            fields.append(HTTPField(name: ServiceHeaders.warning, value: warning))
        }
        // The encoder's array itself goes to the socket: no copy on the way out.
        var response = HTTPResponseMessage(status: .ok, headerFields: fields, body: result.image)
        Self.addIgnoredParameters(to: &response, exchange: exchange)
        return response
    }

    /// Waits for the job, giving up its place if the client leaves or it waits past its deadline.
    private func wait(for job: EnhanceJob, in pool: WorkerPool, connection: ConnectionContext) throws -> EnhanceResult {
        while true {
            if let outcome = job.waitForResult(timeout: Self.disconnectPollInterval) {
                return try outcome.get()
            }
            if connection.clientDisconnected() {
                // Queued: it leaves the queue. Running: the forward pass stops at its next rows (the worker counts it).
                if pool.cancel(job) { metrics.countJob(outcome: "cancelled") } else { job.cancellation.cancel() }
                throw ServiceError.clientClosed
            }
            if ContinuousClock.now > job.deadline, pool.cancel(job) {
                metrics.countJob(outcome: "expired")
                throw ServiceError.queueTimeout(seconds: WorkerPool.seconds(queueTimeout))
            }
        }
    }

    private func modelsDocument() throws -> HTTPResponseMessage {
        struct Document: Encodable {
            let models: [ModelInfo]
            let `default`: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let body = try encoder.encode(Document(models: state.models, default: state.defaultModel))
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        return HTTPResponseMessage(status: .ok, headerFields: fields, body: Array(body))
    }

    private static func json(_ body: [UInt8]) -> HTTPResponseMessage {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        return HTTPResponseMessage(status: .ok, headerFields: fields, body: body)
    }

    private static func text(_ text: String) -> HTTPResponseMessage {
        var fields = HTTPFields()
        fields[.contentType] = "text/plain; charset=utf-8"
        fields[.cacheControl] = "no-store"
        return HTTPResponseMessage(status: .ok, headerFields: fields, body: Array(text.utf8))
    }

    /// A ratio as people write it: "100", or "37.52".
    static func format(_ ratio: Float) -> String {
        ratio == ratio.rounded() && abs(ratio) < 1e9 ? String(Int(ratio)) : String(format: "%.4g", ratio)
    }

    // MARK: - After the response

    /// Counts the exchange and writes its log line; the server calls this for its own error answers too
    /// (`exchange` is nil when no head could be read).
    func finished(_ exchange: Exchange?, record: HTTPExchangeRecord) {
        let route = Route.metricLabel(target: record.path)
        metrics.recordRequest(route: route, status: record.status, bytesIn: record.bytesIn, bytesOut: record.bytesOut,
                              duration: record.duration)
        var metadata: Logger.Metadata = [
            "request_id": "\(exchange?.requestID ?? RequestID.generate())",
            "method": "\(record.method?.rawValue ?? "-")",
            "path": "\(record.path.map { String($0.prefix(200)) } ?? "-")",
            "status": "\(record.status)",
            "bytes_in": "\(record.bytesIn)",
            "bytes_out": "\(record.bytesOut)",
            "ms": "\(ServerTiming.milliseconds(WorkerPool.seconds(record.duration)))",
            "remote": "\(record.remoteAddress)",
        ]
        if let note = exchange {
            if let model = note.model { metadata["model"] = "\(model)" }
            if let ratio = note.ratio { metadata["ratio"] = "\(ratio)" }
            if let wait = note.queueWait { metadata["queue_ms"] = "\(ServerTiming.milliseconds(WorkerPool.seconds(wait)))" }
            if let timings = note.timings {
                metadata["decode_ms"] = "\(ServerTiming.milliseconds(timings.decode))"
                metadata["pack_ms"] = "\(ServerTiming.milliseconds(timings.pack))"
                metadata["forward_ms"] = "\(ServerTiming.milliseconds(timings.forward))"
                metadata["encode_ms"] = "\(ServerTiming.milliseconds(timings.encode))"
            }
            if let detail = note.detail { metadata["detail"] = "\(detail)" }
            if let keyID = note.keyID { metadata["key_id"] = "\(keyID)" }
        }
        logger.log(level: record.status >= 500 && record.status != 503 ? .error : .info, "request", metadata: metadata)
    }
}

/// The paths the service answers, and the methods each allows.
enum Route: String, CaseIterable {
    case home = "/"
    case enhance = "/v1/enhance"
    case models = "/v1/models"
    case limits = "/v1/limits"
    case openapi = "/openapi.json"
    case health = "/healthz"
    case ready = "/readyz"
    case metrics = "/metrics"
    /// `OPTIONS *`: the server itself, not one of its paths.
    case anyResource = "*"

    /// The route of a request target (query ignored); nil for any other path.
    init?(target: String) {
        self.init(rawValue: QueryParameters.path(of: target))
    }

    /// The routes an API key guards when keys are configured.
    var needsKey: Bool { isAPI }

    /// The API proper: what a browser app on another origin may call (CORS), and what answers OPTIONS.
    var isAPI: Bool { rawValue.hasPrefix("/v1/") }

    /// Probes and metrics: the routes the admin listener serves.
    var isOperational: Bool { [.health, .ready, .metrics].contains(self) }

    var allowedMethods: [HTTPRequest.Method] {
        switch self {
        case .enhance: return [.post]
        case .anyResource: return [.options]
        default: return [.get, .head]
        }
    }

    /// The `route` label of a request's metrics: one of the routes, or "unmatched" so that scanners probing
    /// random paths cannot create unbounded label values.
    static func metricLabel(target: String?) -> String {
        guard let target else { return "unparsed" }
        return Route(target: target)?.rawValue ?? "unmatched"
    }
}

/// The identifier that ties a request's log line to its response: the client's X-Request-Id, or a new one.
enum RequestID {
    /// The client's id if it is 1-128 visible ASCII characters (so it is safe in logs and headers), else a new one.
    static func resolve(_ header: String?) -> String {
        if let header, (1 ... 128).contains(header.utf8.count), header.utf8.allSatisfy({ (0x21 ... 0x7E).contains($0) }) {
            return header
        }
        return generate()
    }

    /// 16 random hex digits.
    static func generate() -> String {
        let value = UInt64.random(in: .min ... .max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

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
    /// Query or form parameters the service does not know and ignored, comma-separated.
    static let ignoredParameters = HTTPField.Name("X-SID-Ignored-Parameters")!
}

/// The Server-Timing header value of an enhancement, in milliseconds: queue, decode, pack, forward, encode.
struct ServerTiming: Equatable {
    let queueSeconds: Double
    let timings: StageTimings

    var headerValue: String {
        [("queue", queueSeconds), ("decode", timings.decode), ("pack", timings.pack), ("forward", timings.forward),
         ("encode", timings.encode)]
            .map { name, seconds in "\(name);dur=\(Self.milliseconds(seconds))" }
            .joined(separator: ", ")
    }

    /// Milliseconds with one decimal, never in exponent notation.
    static func milliseconds(_ seconds: Double) -> String {
        let tenths = Int((max(seconds, 0) * 10_000).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
