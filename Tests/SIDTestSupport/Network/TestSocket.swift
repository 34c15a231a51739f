import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain blocking TCP client for the bytes curl will not send: malformed, dribbled, abandoned.
public final class TestSocket {
    public struct Response {
        public var status: Int
        /// Lower-cased names.
        public var headers: [String: String]
        public var body: [UInt8]
        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public private(set) var fileDescriptor: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`; a small `receiveBufferSize` lets a test fill the server's send window.
    public init(port: Int, receiveBufferSize: Int32? = nil) throws {
        fileDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fileDescriptor >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        if var size = receiveBufferSize {
            setsockopt(fileDescriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fileDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else {
            let code = errno
            Glibc.close(fileDescriptor)
            throw Failure(description: "connect to port \(port) failed: errno \(code)")
        }
    }

    deinit { close() }

    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fileDescriptor, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            offset += sent
        }
    }

    /// Sends `bytes` in pieces of `chunk` bytes with a pause between them.
    public func dribble(_ bytes: [UInt8], chunk: Int, pause: TimeInterval) throws {
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunk, bytes.count)
            try send(Array(bytes[offset ..< end]))
            offset = end
            if offset < bytes.count { Thread.sleep(forTimeInterval: pause) }
        }
    }

    /// Reads one final response (skipping 1xx unless `interim`), its body delimited by Content-Length or the end
    /// of the stream.
    public func readResponse(timeout: TimeInterval = 30, interim: Bool = false) throws -> Response {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            let headEnd = try readUntilHeadEnd(deadline: deadline)
            let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
            buffer.removeFirst(headEnd + 4)
            var lines = head.components(separatedBy: "\r\n")
            let statusLine = lines.removeFirst()
            guard let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
                throw Failure(description: "malformed status line \(statusLine)")
            }
            var headers: [String: String] = [:]
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            if (100 ..< 200).contains(status) {
                if interim { return Response(status: status, headers: headers, body: []) }
                continue
            }
            if let length = headers["content-length"].flatMap({ Int($0) }) {
                while buffer.count < length {
                    guard try receive(deadline: deadline) > 0 else { throw Failure(description: "body cut short") }
                }
                let body = Array(buffer[..<length])
                buffer.removeFirst(length)
                return Response(status: status, headers: headers, body: body)
            }
            while try receive(deadline: deadline) > 0 {}
            defer { buffer.removeAll() }
            return Response(status: status, headers: headers, body: buffer)
        }
    }

    /// Whether the server closed the connection (EOF or reset) within `timeout`, discarding what it sent.
    public func waitForClose(timeout: TimeInterval) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            do {
                if try receive(deadline: deadline) == 0 { return true }
            } catch let failure as Failure where failure.description == "timed out" {
                return false
            } catch {
                return true
            }
        }
    }

    /// Reads until the server closes or `timeout` passes; returns what arrived and whether it closed.
    public func readUntilClosed(timeout: TimeInterval) -> (bytes: [UInt8], closed: Bool) {
        read(timeout: timeout) { _ in false }
    }

    /// Reads until `text` has arrived `count` times, the server closes, or `timeout` passes.
    public func read(until text: String, count: Int = 1, timeout: TimeInterval) -> String {
        let needle = Array(text.utf8)
        let result = read(timeout: timeout) { received in
            var found = 0
            var index = 0
            while index + needle.count <= received.count {
                if received[index ..< index + needle.count].elementsEqual(needle) {
                    found += 1
                    index += needle.count
                } else {
                    index += 1
                }
            }
            return found >= count
        }
        return String(decoding: result.bytes, as: UTF8.self)
    }

    /// Takes everything received so far and more until `done` holds, the stream ends or `timeout` passes.
    private func read(timeout: TimeInterval, done: ([UInt8]) -> Bool) -> (bytes: [UInt8], closed: Bool) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        var closed = false
        while !done(buffer) {
            do {
                if try receive(deadline: deadline) == 0 { closed = true; break }
            } catch let failure as Failure where failure.description == "timed out" {
                break
            } catch {
                closed = true
                break
            }
        }
        defer { buffer.removeAll() }
        return (buffer, closed)
    }

    public func shutdownWrite() {
        shutdown(fileDescriptor, Int32(SHUT_WR))
    }

    /// Closes with a reset instead of a FIN, as a crashing client would.
    public func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fileDescriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close()
    }

    public func close() {
        if fileDescriptor >= 0 {
            Glibc.close(fileDescriptor)
            fileDescriptor = -1
        }
    }

    private func readUntilHeadEnd(deadline: Date) throws -> Int {
        let marker: [UInt8] = [13, 10, 13, 10]
        while true {
            if buffer.count >= 4 {
                for index in 0 ... buffer.count - 4 where buffer[index ..< index + 4].elementsEqual(marker) {
                    return index
                }
            }
            guard try receive(deadline: deadline) > 0 else {
                throw Failure(description: "connection closed before a response head (\(buffer.count) bytes)")
            }
        }
    }

    /// Appends what arrives before the deadline; 0 at end of stream.
    private func receive(deadline: Date) throws -> Int {
        var descriptor = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
        guard poll(&descriptor, 1, milliseconds) > 0 else { throw Failure(description: "timed out") }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fileDescriptor, $0.baseAddress!, $0.count, 0) }
        if count < 0 { throw Failure(description: "recv failed: errno \(errno)") }
        buffer.append(contentsOf: chunk[..<count])
        return count
    }
}
