import Foundation
import HTTPTypes
import Logging
import SIDEngine
import SIDHTTP

/// Routes requests, turns enhancement requests into jobs for the worker pool, and writes the request log.
struct ServiceHandler: HTTPHandler {
    let state: ServiceState
    let metrics: ServiceMetrics
    let queueTimeout: Duration
    let logger: Logger

    /// How often a waiting connection looks whether its client is still there.
    static let disconnectPollInterval: Duration = .milliseconds(50)

    // MARK: - Before the body

    /// Refuses what can be refused from the head alone, so nobody uploads 25 MB to hear 404, 415 or 503.
    func validateHead(_ head: HTTPRequest) -> HTTPResponseMessage? {
        let note = ExchangeNote(requestID: RequestID.resolve(head.headerFields[ServiceHeaders.requestID]))
        note.attachToCurrentThread()
        do {
            try check(head)
            return nil
        } catch let error as ServiceError {
            note.detail = error.description
            return error.response(requestID: note.requestID)
        } catch {
            note.detail = "\(error)"
            return ServiceError.internalError("\(error)").response(requestID: note.requestID)
        }
    }

    private func check(_ head: HTTPRequest) throws {
        let target = head.path ?? ""
        guard let route = Route(target: target) else {
            throw ServiceError.notFound(path: String(QueryParameters.path(of: target).prefix(200)))
        }
        guard route.allowedMethods.contains(head.method) else {
            throw ServiceError.methodNotAllowed(method: head.method.rawValue, allowed: route.allowedMethods)
        }
        guard route == .enhance else { return }
        switch state.phase {
        case .starting: throw ServiceError.starting
        case .draining: throw ServiceError.draining
        case .ready: break
        }
        var parameters = EnhanceParameters()
        try parameters.set(QueryParameters(target: target), models: state.modelNames)
        if case let .notRaw(mediaType) = UploadKind(contentType: head.headerFields[.contentType]) {
            throw ServiceError.unsupportedMediaType(EnhanceUpload.notRawSentence(mediaType))
        }
        if let pool = state.pool, !pool.hasRoom {
            throw ServiceError.queueFull(capacity: pool.capacity)
        }
    }

    // MARK: - Complete requests

    func handle(_ request: HTTPRequestMessage, context: ConnectionContext) -> HTTPResponseMessage {
        // The note validateHead attached; a fresh one if the server skipped it.
        let note = ExchangeNote.takeFromCurrentThread()
            ?? ExchangeNote(requestID: RequestID.resolve(request.head.headerFields[ServiceHeaders.requestID]))
        note.attachToCurrentThread()
        var response: HTTPResponseMessage
        do {
            response = try respond(to: request, context: context, note: note)
            response.head.headerFields[ServiceHeaders.requestID] = note.requestID
        } catch let error as ServiceError {
            note.detail = error.description
            response = error.response(requestID: note.requestID)
        } catch {
            note.detail = "\(error)"
            response = ServiceError.internalError("\(error)").response(requestID: note.requestID)
        }
        return response
    }

    private func respond(to request: HTTPRequestMessage, context: ConnectionContext,
                         note: ExchangeNote) throws -> HTTPResponseMessage {
        switch Route(target: request.head.path ?? "") {
        case .enhance?: return try enhance(request, context: context, note: note)
        case .health?: return Self.text("ok\n")
        case .ready?:
            switch state.phase {
            case .ready: return Self.text("ready\n")
            case .starting: throw ServiceError.starting
            case .draining: throw ServiceError.draining
            }
        case .metrics?:
            metrics.setInFlight(state.inFlightRequests)
            metrics.setQueueDepth(state.pool?.queueDepth ?? 0)
            var fields = HTTPFields()
            fields[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            fields[.cacheControl] = "no-store"
            return HTTPResponseMessage(status: .ok, headerFields: fields, body: metrics.exposition())
        case .models?:
            guard state.phase != .starting else { throw ServiceError.starting }
            return try modelsDocument()
        case .home?:
            var fields = HTTPFields()
            fields[.contentType] = "text/html; charset=utf-8"
            fields[.contentSecurityPolicy] = HomePage.contentSecurityPolicy
            fields[.xContentTypeOptions] = "nosniff"
            return HTTPResponseMessage(status: .ok, headerFields: fields, body: Array(HomePage.html.utf8))
        case nil:
            // validateHead refused these already; kept for a server that skips it.
            throw ServiceError.notFound(path: String(QueryParameters.path(of: request.head.path ?? "").prefix(200)))
        }
    }

    private func enhance(_ request: HTTPRequestMessage, context: ConnectionContext,
                         note: ExchangeNote) throws -> HTTPResponseMessage {
        guard request.head.method == .post else {
            throw ServiceError.methodNotAllowed(method: request.head.method.rawValue, allowed: [.post])
        }
        // A request whose head was accepted before draining began is in flight, and is served.
        guard let pool = state.pool else { throw ServiceError.starting }
        let upload = try EnhanceUpload(request: request, models: state.modelNames)
        let job = EnhanceJob(raw: upload.raw, options: upload.options, queueTimeout: queueTimeout)
        switch pool.submit(job) {
        case .accepted: break
        case .queueFull: throw ServiceError.queueFull(capacity: pool.capacity)
        case .stopped: throw ServiceError.draining
        }
        let result = try wait(for: job, in: pool, context: context)
        note.queueWait = job.queueWait
        note.timings = result.timings
        note.model = result.model
        note.ratio = Self.format(result.ratio)

        var fields = HTTPFields()
        fields[.contentType] = "image/png"
        fields[.cacheControl] = "no-store"
        fields[ServiceHeaders.ratio] = Self.format(result.ratio)
        fields[ServiceHeaders.ratioSource] = result.ratioWasEstimated ? "auto" : "given"
        fields[ServiceHeaders.model] = result.model
        fields[ServiceHeaders.serverTiming] = ServerTiming(
            queueSeconds: WorkerPool.seconds(job.queueWait ?? .zero), timings: result.timings).headerValue
        for warning in result.warnings {
            fields.append(HTTPField(name: ServiceHeaders.warning, value: warning))
        }
        return HTTPResponseMessage(status: .ok, headerFields: fields, body: [UInt8](result.png))
    }

    /// Waits for the job, giving up its place if the client leaves or it waits past its deadline.
    private func wait(for job: EnhanceJob, in pool: WorkerPool, context: ConnectionContext) throws -> EnhanceResult {
        while true {
            if let outcome = job.waitForResult(timeout: Self.disconnectPollInterval) {
                return try outcome.get()
            }
            if context.clientDisconnected() {
                // A started job cannot be interrupted; its result is dropped when it ends.
                if pool.cancel(job) { metrics.countJob(outcome: "cancelled") }
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

    /// Counts the exchange and writes its log line; the server calls this for its own error answers too.
    func observe(_ record: HTTPExchangeRecord) {
        let note = ExchangeNote.takeFromCurrentThread()
        let route = Route.metricLabel(target: record.path)
        metrics.recordRequest(route: route, status: record.status, bytesIn: record.bytesIn, bytesOut: record.bytesOut,
                              duration: record.duration)
        var metadata: Logger.Metadata = [
            "request_id": "\(note?.requestID ?? RequestID.generate())",
            "method": "\(record.method?.rawValue ?? "-")",
            "path": "\(record.path.map { String($0.prefix(200)) } ?? "-")",
            "status": "\(record.status)",
            "bytes_in": "\(record.bytesIn)",
            "bytes_out": "\(record.bytesOut)",
            "ms": "\(ServerTiming.milliseconds(WorkerPool.seconds(record.duration)))",
            "remote": "\(record.remoteAddress)",
        ]
        if let note {
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
        }
        logger.log(level: record.status >= 500 && record.status != 503 ? .error : .info, "request", metadata: metadata)
    }
}
