import Foundation
import HTTPTypes
import SIDHTTP

/// The handler behind HTTPServerTests: echoes what it received so tests can check it byte for byte.
final class TestHandler: HTTPHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var paths: [String] = []
    /// Signalled when /wait-disconnect notices that its client went away.
    let disconnectNoticed = DispatchSemaphore(value: 0)

    /// Paths whose `handle` ran, in order.
    var handledPaths: [String] {
        lock.lock()
        defer { lock.unlock() }
        return paths
    }

    func validateHead(_ head: HTTPRequest) -> HTTPResponseMessage? {
        switch route(head) {
        case "/limited":
            let length = head.headerFields[.contentLength].flatMap(Int.init) ?? 0
            guard length > 1000 else { return nil }
            return ProblemDetails(status: .contentTooLarge, detail: "/limited accepts at most 1000 bytes.").response()
        case "/missing":
            return ProblemDetails(status: .notFound, detail: "Nothing here.").response()
        default:
            return nil
        }
    }

    func handle(_ request: HTTPRequestMessage, context: ConnectionContext) -> HTTPResponseMessage {
        lock.lock()
        paths.append(request.head.path ?? "")
        lock.unlock()
        switch route(request.head) {
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
