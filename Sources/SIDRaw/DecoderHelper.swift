#if canImport(Glibc)
import Glibc
#endif
import CLibRaw

/// The decoder process's side of `IsolatedRawDecoder`: one request from stdin, one answer on stdout.
///
/// Before it reads the raw bytes it limits itself: address space (RLIMIT_AS) and CPU time as the request says,
/// no core file (RLIMIT_CORE 0, so a crash never writes upload bytes to disk), no file writes at all
/// (RLIMIT_FSIZE 0), and few descriptors. It writes nothing to stderr itself.
public enum DecoderHelper {
    /// Exit statuses other than 0 (answered, possibly with an error).
    public enum ExitStatus {
        /// The request could not be read: the parent is broken or gone.
        public static let badRequest: Int32 = 2
        /// A limit could not be applied.
        public static let limitsRefused: Int32 = 3
        /// The answer could not be written: the parent is gone.
        public static let answerUndelivered: Int32 = 4
    }

    /// Descriptors allowed: the three standard ones and a few for what LibRaw might open.
    static let descriptorLimit: rlim_t = 16

    /// Serves one request from `input` to `output` and returns the exit status; `fault` is a test hook.
    public static func run(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO,
                           fault: DecoderFault? = nil) -> Int32 {
        var header = [UInt8](repeating: 0, count: DecoderRequest.headerSize)
        guard header.withUnsafeMutableBytes({ readFully(input, $0) }),
              let request = try? DecoderRequest(header: header) else {
            return ExitStatus.badRequest
        }
        guard applyLimits(request) else { return ExitStatus.limitsRefused }
        if let fault { misbehave(fault, output: output) }

        let response: DecoderResponse
        do {
            let bytes = try [UInt8](unsafeUninitializedCapacity: request.inputByteCount) { buffer, initialized in
                guard readFully(input, UnsafeMutableRawBufferPointer(buffer)) else { throw DecoderWireError.truncated("the input") }
                initialized = request.inputByteCount
            }
            response = bytes.withUnsafeBytes { decode($0, request) }
        } catch {
            return ExitStatus.badRequest
        }
        do {
            try response.write { try writeFully(output, $0) }
        } catch {
            return ExitStatus.answerUndelivered
        }
        return 0
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, _ request: DecoderRequest) -> DecoderResponse {
        do {
            switch request.kind {
            case .decode:
                return .raw(try RawDecoder(maxPixels: request.maxPixels).decode(bytes))
            case let .baseline(ratio):
                return .rendered(try BaselineRenderer(maxPixels: request.maxPixels).render(bytes, ratio: ratio))
            }
        } catch let error as RawDecodingError {
            // Under RLIMIT_AS, LibRaw's allocation failures are the limit showing.
            if case let .libRawFailure(_, reason) = error, reason == LibRawSession.message(LIBRAW_UNSUFFICIENT_MEMORY.rawValue),
               request.memoryLimitBytes > 0 {
                return .failure(.decoderOutOfMemory(limitMegabytes: request.memoryLimitBytes >> 20))
            }
            return .failure(error)
        } catch {
            return .failure(.decoderMalfunction(reason: "\(error)"))
        }
    }

    private static func applyLimits(_ request: DecoderRequest) -> Bool {
        var limits: [(resource: __rlimit_resource, soft: rlim_t, hard: rlim_t)] = [(RLIMIT_CORE, 0, 0)]
        // A sanitizer runtime needs its shadow memory, its report file and the descriptors it opens.
        if !SanitizerRuntime.isPresent {
            limits += [(RLIMIT_FSIZE, 0, 0), (RLIMIT_NOFILE, descriptorLimit, descriptorLimit)]
        }
        if request.memoryLimitBytes > 0 && !SanitizerRuntime.isPresent {
            let bytes = rlim_t(request.memoryLimitBytes)
            limits.append((RLIMIT_AS, bytes, bytes))
        }
        if request.cpuSeconds > 0 {
            // The soft limit sends SIGXCPU, which the parent reports as a timeout; the hard one SIGKILLs.
            let seconds = rlim_t(request.cpuSeconds)
            limits.append((RLIMIT_CPU, seconds, seconds + 1))
        }
        for limit in limits {
            var value = rlimit(rlim_cur: limit.soft, rlim_max: limit.hard)
            guard setrlimit(__rlimit_resource_t(limit.resource.rawValue), &value) == 0 else { return false }
        }
        return true
    }

    private static func misbehave(_ fault: DecoderFault, output: Int32) {
        switch fault {
        case .crash:
            abort()
        case .hang:
            var spins: UInt64 = 0
            while true { spins &+= 1; if spins == 0 { sched_yield() } }
        case .allocate:
            var blocks: [[UInt8]] = []
            while true { blocks.append([UInt8](repeating: 1, count: 64 << 20)) }
        case .garbage:
            let text = Array("this is not a decoder response\n".utf8)
            _ = text.withUnsafeBytes { try? writeFully(output, $0) }
            exit(0)
        }
    }

    /// Blocking read of exactly `buffer.count` bytes; false at an early end or on an error.
    private static func readFully(_ descriptor: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Bool {
        var offset = 0
        while offset < buffer.count {
            let count = read(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if count > 0 {
                offset += count
            } else if count == 0 || errno != EINTR {
                return false
            }
        }
        return true
    }

    private static func writeFully(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < buffer.count {
            let count = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if count > 0 {
                offset += count
            } else if count < 0 && errno != EINTR {
                throw DecoderWireError.truncated("the answer could not be written")
            }
        }
    }
}
