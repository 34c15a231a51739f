import Foundation
import Glibc

/// A blocking TCP client for sending exactly the bytes a test wants, malformed ones included.
final class RawClient {
    let fileDescriptor: Int32

    init(port: Int, receiveBufferSize: Int32? = nil) throws {
        fileDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fileDescriptor >= 0 else { throw RawClientError.failed("socket", errno) }
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
            close(fileDescriptor)
            throw RawClientError.failed("connect", code)
        }
    }

    deinit {
        close(fileDescriptor)
    }

    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fileDescriptor, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw RawClientError.failed("send", errno) }
            offset += sent
        }
    }

    /// Reads until the server closes or `timeout` passes; returns what arrived.
    func readUntilClosed(timeout: TimeInterval) -> (bytes: [UInt8], closed: Bool) {
        read(timeout: timeout) { _ in false }
    }

    /// Reads until `text` has arrived `count` times, the server closes, or `timeout` passes.
    func read(until text: String, count: Int = 1, timeout: TimeInterval) -> String {
        let needle = Array(text.utf8)
        let result = read(timeout: timeout) { received in
            var found = 0
            var index = 0
            while index + needle.count <= received.count {
                if Array(received[index ..< index + needle.count]) == needle {
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

    private func read(timeout: TimeInterval, done: ([UInt8]) -> Bool) -> (bytes: [UInt8], closed: Bool) {
        let end = Date(timeIntervalSinceNow: timeout)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !done(received) {
            let remaining = end.timeIntervalSinceNow
            if remaining <= 0 { return (received, false) }
            var descriptor = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, Int32(remaining * 1000) + 1) <= 0 { continue }
            let count = buffer.withUnsafeMutableBytes { recv(fileDescriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return (received, true) }
            received.append(contentsOf: buffer[0 ..< count])
        }
        return (received, false)
    }

    /// Closes with RST instead of FIN, like a client that crashed.
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fileDescriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        shutdown(fileDescriptor, Int32(SHUT_RDWR))
    }
}

enum RawClientError: Error, CustomStringConvertible {
    case failed(String, Int32)

    var description: String {
        switch self {
        case let .failed(call, code): return "\(call) failed: \(String(cString: strerror(code)))"
        }
    }
}
