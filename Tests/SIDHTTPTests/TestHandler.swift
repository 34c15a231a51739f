import Foundation
import HTTPTypes
import SIDHTTP

/// The handler behind HTTPServerTests: echoes what it received so tests can check it byte for byte.
final class TestHandler: HTTPHandler, @unchecked Sendable {
    /// What `head` saw, carried to `respond` and `finished`: the route and a number unique to the request.
    struct Exchange: Equatable {
        let route: String
        let serial: Int
        var respondedWith: Int?
    }

    /// Everything `finished` was told, in order.
    final class Records: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [(exchange: Exchange?, record: HTTPExchangeRecord)] = []

        func append(_ exchange: Exchange?, _ record: HTTPExchangeRecord) {
            lock.lock()
            stored.append((exchange, record))
            lock.unlock()
        }

        var all: [HTTPExchangeRecord] { exchanges.map(\.record) }

        var exchanges: [(exchange: Exchange?, record: HTTPExchangeRecord)] {
            lock.lock()
            defer { lock.unlock() }
            return stored
        }
    }

    let records = Records()
    private let lock = NSLock()
    private var paths: [String] = []
    private var serials = 0
    /// Signalled when /wait-disconnect notices that its client went away.
    let disconnectNoticed = DispatchSemaphore(value: 0)

    /// Paths whose `handle` ran, in order.
    var handledPaths: [String] {
        lock.lock()
        defer { lock.unlock() }
        return paths
    }

    func head(_ head: HTTPRequest, connection: ConnectionContext) -> HTTPHeadDecision<Exchange> {
        lock.lock()
        serials += 1
        let exchange = Exchange(route: route(head), serial: serials)
        lock.unlock()
        switch exchange.route {
        case "/limited":
            let length = head.headerFields[.contentLength].flatMap(Int.init) ?? 0
            guard length > 1000 else { return .readBody(exchange) }
            return .answer(ProblemDetails(status: .contentTooLarge, detail: "/limited accepts at most 1000 bytes.").response(),
                           exchange)
        case "/missing":
            return .answer(ProblemDetails(status: .notFound, detail: "Nothing here.").response(), exchange)
        default:
            return .readBody(exchange)
        }
    }

    func respond(to request: HTTPRequestMessage, exchange: inout Exchange,
                 connection: ConnectionContext) -> HTTPResponseMessage {
        let response = handle(request, route: exchange.route, context: connection)
        exchange.respondedWith = response.head.status.code
        return response
    }

    func finished(_ exchange: Exchange?, record: HTTPExchangeRecord) {
        records.append(exchange, record)
    }

    private func handle(_ request: HTTPRequestMessage, route: String, context: ConnectionContext) -> HTTPResponseMessage {
        lock.lock()
        paths.append(request.head.path ?? "")
        lock.unlock()
        switch route {
        case "/healthz":
            return text("ok")
        case "/echo", "/limited":
            let expect = request.head.headerFields[.expect] ?? "none"
            let trailer = request.trailerFields[HTTPField.Name("X-Checksum")!] ?? "none"
            return text("length=\(request.body.count) fnv=\(Self.fnv1a(request.body[...])) expect=\(expect) trailer=\(trailer)")
        case "/upload":
            do {
                let form = try MultipartFormData(body: request.body, contentType: request.head.headerFields[.contentType] ?? "")
                guard let file = form.part(named: "file") else {
                    return ProblemDetails(status: .badRequest, detail: "no file part").response()
                }
                let expect = request.head.headerFields[.expect] ?? "none"
                return text("parts=\(form.parts.count) filename=\(file.filename ?? "-") length=\(file.body.count) "
                    + "fnv=\(Self.fnv1a(file.body)) expect=\(expect)")
            } catch {
                return ProblemDetails(status: .badRequest, detail: "\(error)").response()
            }
        case "/sleep":
            let milliseconds = query(request.head, "ms").flatMap(Int.init) ?? 100
            Thread.sleep(forTimeInterval: Double(milliseconds) / 1000)
            return text("slept")
        case "/wait-disconnect":
            for _ in 0 ..< 100 {
                if context.clientDisconnected() {
                    disconnectNoticed.signal()
                    return text("gone")
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
            return text("still there")
        case "/big":
            return HTTPResponseMessage(status: .ok, body: [UInt8](repeating: 0x61, count: 32 * 1024 * 1024))
        default:
            return ProblemDetails(status: .notFound, detail: "No route for \(request.head.path ?? "")").response()
        }
    }

    private func route(_ head: HTTPRequest) -> String {
        String((head.path ?? "").split(separator: "?", maxSplits: 1).first ?? "")
    }

    private func query(_ head: HTTPRequest, _ name: String) -> String? {
        guard let query = head.path?.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.first.map(String.init) == name { return parts.count > 1 ? String(parts[1]) : "" }
        }
        return nil
    }

    private func text(_ body: String) -> HTTPResponseMessage {
        var fields = HTTPFields()
        fields[.contentType] = "text/plain; charset=utf-8"
        return HTTPResponseMessage(status: .ok, headerFields: fields, body: Array(body.utf8))
    }

    /// FNV-1a 64, enough to tell that every byte arrived in order.
    static func fnv1a(_ bytes: ArraySlice<UInt8>) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
        }
        return String(hash, radix: 16)
    }
}
