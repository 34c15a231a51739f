#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SIDRaw

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

    /// Serves one request from `input` to `output` and returns the exit status: `readRequest`, `applyLimits`,
    /// then `answer`. A test helper that misbehaves on purpose runs the same steps with its fault in between.
    public static func run(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) -> Int32 {
        guard let request = readRequest(from: input) else { return ExitStatus.badRequest }
        guard applyLimits(request) else { return ExitStatus.limitsRefused }
        return answer(request, input: input, output: output)
    }

    /// Reads and checks the request header; nil if it is cut off or malformed.
    public static func readRequest(from input: Int32) -> DecoderRequest? {
        var header = [UInt8](repeating: 0, count: DecoderRequest.headerSize)
        guard header.withUnsafeMutableBytes({ readFully(input, $0) }) else { return nil }
        return try? DecoderRequest(header: header)
    }

    /// Reads the raw bytes the request announced, decodes or renders them, and writes the answer.
    public static func answer(_ request: DecoderRequest, input: Int32, output: Int32) -> Int32 {
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
            case .metadata:
                return .metadata(try RawDecoder(maxPixels: request.maxPixels).metadata(bytes))
            }
        } catch let error as RawDecodingError {
            // Under RLIMIT_AS, LibRaw's allocation failures are the limit showing.
            if error.isLibRawAllocationFailure, request.memoryLimitBytes > 0 {
                return .failure(.decoderOutOfMemory(limitMegabytes: request.memoryLimitBytes >> 20))
            }
            return .failure(error)
        } catch {
            return .failure(.decoderMalfunction(reason: "\(error)"))
        }
    }

    /// Limits this process as the request says: no core file ever; with a memory limit, also RLIMIT_AS, no file
    /// writes and few descriptors. A request without one comes from a sanitizer run, whose runtime needs
    /// terabytes of shadow address space, its report file and the descriptors it opens.
    public static func applyLimits(_ request: DecoderRequest) -> Bool {
        var limits: [(resource: __rlimit_resource, soft: rlim_t, hard: rlim_t)] = [(RLIMIT_CORE, 0, 0)]
        if request.memoryLimitBytes > 0 {
            let bytes = rlim_t(request.memoryLimitBytes)
            limits += [(RLIMIT_AS, bytes, bytes), (RLIMIT_FSIZE, 0, 0), (RLIMIT_NOFILE, descriptorLimit, descriptorLimit)]
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

    /// Blocking write of all of `buffer`.
    public static func writeFully(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) throws {
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
