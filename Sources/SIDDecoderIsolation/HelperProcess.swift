#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One run of a helper executable whose stdin, stdout and stderr are socket pairs to this process.
///
/// The helper starts in its own process group (a Ctrl-C meant for the server does not kill it), with an empty
/// signal mask, the usual signals at their default action (the server ignores SIGPIPE, SIGTERM and SIGINT, which
/// would otherwise stay ignored across exec) and every descriptor but 0, 1 and 2 closed. Sockets rather than pipes
/// so that writing to a helper that died sends no SIGPIPE (MSG_NOSIGNAL), which matters to `sid enhance`, where
/// SIGPIPE is not ignored.
///
/// All I/O polls against one deadline; past it the helper is killed. The helper is always reaped: `wait()` does
/// it, and deinit kills and reaps a helper nobody waited for, so no path leaves a zombie or a descriptor behind.
final class HelperProcess {
    /// How the helper ended.
    enum Termination: Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// Why I/O with the helper stopped.
    enum IOFailure: Error, Equatable {
        /// The helper closed its stdout before sending everything expected.
        case endOfStream
        case deadlinePassed
        case system(String)
    }

    let pid: pid_t
    private let deadline: ContinuousClock.Instant
    private var input: Int32
    private var output: Int32
    private var errors: Int32
    private var termination: Termination?
    /// Whether `kill()` was called: a SIGKILL death is then this process's doing, not the helper's.
    private(set) var wasKilled = false
    private(set) var passedDeadline = false
    /// The first bytes the helper wrote to stderr (where a fatal error's message is, before any stack trace);
    /// read only to recognise messages, never shown or logged: a crash report can dump upload bytes.
    private(set) var errorHead: [UInt8] = []
    private static let errorHeadLimit = 8192

    /// Starts `command[0]` with arguments `command[1...]` and the caller's environment plus `overrides`.
    init(command: [String], environment overrides: [String: String], deadline: ContinuousClock.Instant) throws {
        guard let executable = command.first else { throw IOFailure.system("no helper executable is configured") }
        self.deadline = deadline
        var pairs: [(parent: Int32, child: Int32)] = []
        do {
            for _ in 0 ..< 3 { pairs.append(try Self.socketPair()) }
        } catch {
            for pair in pairs { close(pair.parent); close(pair.child) }
            throw error
        }
        defer { for pair in pairs { close(pair.child) } }
        input = pairs[0].parent
        output = pairs[1].parent
        errors = pairs[2].parent

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (index, pair) in pairs.enumerated() { posix_spawn_file_actions_adddup2(&actions, pair.child, Int32(index)) }
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGXCPU, SIGXFSZ, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let environment = ProcessInfo.processInfo.environment.merging(overrides) { $1 }
        let argv = command.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
            for pair in pairs { close(pair.parent) }
            throw IOFailure.system("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        self.pid = pid
    }

    deinit {
        if termination == nil {
            kill()
            _ = reap(blocking: true)
        }
        for descriptor in [input, output, errors] where descriptor >= 0 { close(descriptor) }
    }

    /// Sends all of `bytes`; false if the helper stopped reading (closed its stdin or died) first.
    func send(_ bytes: UnsafeRawBufferPointer) throws -> Bool {
        var offset = 0
        while offset < bytes.count {
            guard input >= 0 else { return false }
            try waitUntilReady(input, events: Int16(POLLOUT))
            let sent = Glibc.send(input, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            if sent > 0 {
                offset += sent
            } else if errno == EPIPE || errno == ECONNRESET {
                closeInput()
                return false
            } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                throw IOFailure.system("cannot write to the helper: \(String(cString: strerror(errno)))")
            }
        }
        return true
    }

    /// Tells the helper the request is complete.
    func closeInput() {
        guard input >= 0 else { return }
        close(input)
        input = -1
    }

    /// Fills `buffer` from the helper's stdout.
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws {
        var offset = 0
        while offset < buffer.count {
            try waitUntilReady(output, events: Int16(POLLIN))
            let received = recv(output, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_DONTWAIT))
            if received > 0 {
                offset += received
            } else if received == 0 {
                throw IOFailure.endOfStream
            } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                throw IOFailure.system("cannot read from the helper: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Waits for the helper to close its stdout; false if it sends anything more first.
    func outputEnds() throws -> Bool {
        var byte: UInt8 = 0
        while true {
            try waitUntilReady(output, events: Int16(POLLIN))
            let received = recv(output, &byte, 1, Int32(MSG_DONTWAIT))
            if received == 0 { return true }
            if received > 0 { return false }
            if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                throw IOFailure.system("cannot read from the helper: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Sends SIGKILL (harmless once it has exited: it stays a zombie, its pid taken, until reaped).
    func kill() {
        guard termination == nil else { return }
        wasKilled = true
        Glibc.kill(pid, SIGKILL)
    }

    /// Reaps the helper, killing it if it has not exited by the deadline, then reads the rest of its stderr.
    func wait() -> Termination {
        while termination == nil {
            if reap(blocking: false) != nil { break }
            if ContinuousClock.now >= deadline {
                passedDeadline = true
                kill()
                _ = reap(blocking: true)
                break
            }
            // Exit follows closing stdout within microseconds; the poll only spins for a helper that lingers.
            usleep(1000)
        }
        drainErrors()
        return termination ?? .exited(-1)
    }

    // MARK: - Private

    /// Polls `descriptor` (and stderr, drained as it fills) until `events` is ready or the deadline passes.
    private func waitUntilReady(_ descriptor: Int32, events: Int16) throws {
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                passedDeadline = true
                kill()
                throw IOFailure.deadlinePassed
            }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var fds = [pollfd(fd: descriptor, events: events, revents: 0)]
            if errors >= 0 { fds.append(pollfd(fd: errors, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw IOFailure.system("cannot wait for the helper: \(String(cString: strerror(errno)))")
            }
            if fds.count > 1, fds[1].revents != 0 { readErrors() }
            // Errors and hang-ups count as ready: the next send or recv reports them.
            if fds[0].revents != 0 { return }
        }
    }

    /// Reads what stderr has now, keeping the first `errorHeadLimit` bytes; closes it at its end. False once
    /// nothing more is there to read without waiting.
    @discardableResult
    private func readErrors() -> Bool {
        guard errors >= 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 4096)
        let received = chunk.withUnsafeMutableBytes { recv(errors, $0.baseAddress!, $0.count, Int32(MSG_DONTWAIT)) }
        if received > 0 {
            errorHead.append(contentsOf: chunk[..<min(received, Self.errorHeadLimit - errorHead.count)])
            return true
        }
        if received < 0 && (errno == EINTR) { return true }
        if received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return false }
        close(errors)
        errors = -1
        return false
    }

    /// After exit everything the helper wrote is buffered: read it without waiting (a grandchild holding stderr
    /// open cannot stall this).
    private func drainErrors() {
        for _ in 0 ..< 64 where !readErrors() { return }
    }

    private func reap(blocking: Bool) -> Termination? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
            if result == 0 { return nil }
            if result < 0 {
                if errno == EINTR { continue }
                // ECHILD: someone else reaped it (SIGCHLD ignored process-wide); nothing is left to wait for.
                termination = .exited(-1)
                return termination
            }
            break
        }
        // The <sys/wait.h> macros are not imported: the low 7 bits are the signal, 0 for a normal exit.
        let signal = status & 0x7F
        termination = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
        return termination
    }

    private static func socketPair() throws -> (parent: Int32, child: Int32) {
        var descriptors: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &descriptors) == 0 else {
            throw IOFailure.system("cannot create a socket pair: \(String(cString: strerror(errno)))")
        }
        return (descriptors[0], descriptors[1])
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc 2.34's `posix_spawn_file_actions_addclosefrom_np`, looked up because Swift imports glibc without
    /// _GNU_SOURCE; without it the helper still gets only 0, 1 and 2 from this code (everything it opens is
    /// close-on-exec), but could inherit a descriptor another library opened without O_CLOEXEC.
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()
}
