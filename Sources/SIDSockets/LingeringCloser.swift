import Foundation

/// Closes sockets after their last response without losing that response to a TCP reset.
///
/// Closing a socket that still has unread request bytes makes the kernel send RST, and the client may then
/// discard the response it has not read yet (e.g. a 413 sent while the body is still arriving). So the write
/// side is shut first and the socket is drained here until the client closes or a short deadline passes,
/// on one background thread shared by all connections.
public final class LingeringCloser: @unchecked Sendable {
    private struct Entry {
        let fileDescriptor: Int32
        let deadline: Deadline
    }

    private let lingerTime: Duration
    private let capacity: Int
    private let condition = NSCondition()
    private var entries: [Entry] = []
    private var threadRunning = false

    public init(lingerTime: Duration, capacity: Int = 512) {
        self.lingerTime = lingerTime
        self.capacity = capacity
    }

    /// Takes ownership of `fileDescriptor`, whose write side should already be shut down.
    public func close(_ fileDescriptor: Int32) {
        condition.lock()
        guard entries.count < capacity, lingerTime > Duration.zero else {
            condition.unlock()
            Foundation.close(fileDescriptor)
            return
        }
        entries.append(Entry(fileDescriptor: fileDescriptor, deadline: .after(lingerTime)))
        let startThread = !threadRunning
        threadRunning = true
        condition.unlock()
        if startThread {
            let thread = Thread { [self] in drainLoop() }
            thread.name = "sid-socket-linger"
            thread.start()
        }
    }

    /// Stops lingering: every socket is closed on the drain thread's next pass (server stop).
    public func expireAll() {
        condition.lock()
        entries = entries.map { Entry(fileDescriptor: $0.fileDescriptor, deadline: .now) }
        condition.unlock()
    }

    private func drainLoop() {
        var scratch = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            condition.lock()
            let snapshot = entries
            if snapshot.isEmpty {
                threadRunning = false
                condition.unlock()
                return
            }
            condition.unlock()

            // Short polls so sockets added meanwhile are picked up quickly without a wake-up pipe.
            var descriptors = snapshot.map { pollfd(fd: $0.fileDescriptor, events: Int16(POLLIN), revents: 0) }
            let soonest = snapshot.map(\.deadline).min() ?? .distantFuture
            _ = poll(&descriptors, nfds_t(descriptors.count), min(soonest.pollTimeout, 50))

            var finished = Set<Int32>()
            for (index, entry) in snapshot.enumerated() {
                if descriptors[index].revents != 0, !drain(entry.fileDescriptor, scratch: &scratch) {
                    finished.insert(entry.fileDescriptor)
                } else if entry.deadline.hasPassed {
                    finished.insert(entry.fileDescriptor)
                }
            }
            guard !finished.isEmpty else { continue }
            condition.lock()
            entries.removeAll { finished.contains($0.fileDescriptor) }
            condition.unlock()
            finished.forEach { Foundation.close($0) }
        }
    }

    /// Discards what the peer sent; false once it has closed or errored.
    private func drain(_ fileDescriptor: Int32, scratch: inout [UInt8]) -> Bool {
        scratch.withUnsafeMutableBytes { buffer in
            while true {
                let received = recv(fileDescriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
                if received > 0 { continue }
                if received < 0, errno == EINTR { continue }
                return received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
            }
        }
    }
}
