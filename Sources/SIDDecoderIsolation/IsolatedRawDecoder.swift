#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SIDRaw

/// `RawDecoder` and `BaselineRenderer` run in a separate process, one per call, so that a crash, a hang or a
/// runaway allocation inside LibRaw costs only that call: it becomes a `RawDecodingError` and this process
/// carries on.
///
/// The helper (`DecoderHelper`, behind `sid decode-helper`) gets the raw bytes on stdin, limits its own memory,
/// CPU time, file size, descriptors and core dumps, decodes, and answers on stdout. Its answer is checked as
/// strictly as an upload: sizes against this side's pixel limit before anything is allocated.
public struct IsolatedRawDecoder: Sendable {
    public let isolation: DecoderIsolation
    /// Largest sensor readout accepted, as `RawDecoder.maxPixels`.
    public let maxPixels: Int

    public init(isolation: DecoderIsolation, maxPixels: Int = 100_000_000) {
        self.isolation = isolation
        self.maxPixels = maxPixels
    }

    /// Decodes the visible mosaic and its levels, as `RawDecoder.decode`; throws `RawDecodingError`.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws -> RawImage {
        switch try run(.decode, bytes) {
        case let .raw(image): return image
        case .rendered, .metadata: throw RawDecodingError.decoderMalfunction(reason: "it answered a decode with something else")
        case let .failure(error): throw error
        }
    }

    /// What the file says and the levels the pipeline uses, as `RawDecoder.metadata`; throws `RawDecodingError`.
    public func metadata(_ bytes: UnsafeRawBufferPointer) throws -> RawMetadata {
        switch try run(.metadata, bytes) {
        case let .metadata(metadata): return metadata
        case .raw, .rendered: throw RawDecodingError.decoderMalfunction(reason: "it answered a metadata request with pixels")
        case let .failure(error): throw error
        }
    }

    /// Renders a raw brightened by `ratio` to 16-bit sRGB, as `BaselineRenderer.render`, in one helper: `auto`
    /// is estimated there from the same decode. Throws `RawDecodingError`, or `ExposureRatioError` for a fixed
    /// ratio outside (0, 1000].
    public func render(_ bytes: UnsafeRawBufferPointer, ratio: ExposureRatio) throws -> BaselineRendering {
        if case let .fixed(value) = ratio, !(value.isFinite && value > 0 && value <= ExposureRatio.maximum) {
            throw ExposureRatioError.invalid("\(value)")
        }
        switch try run(.baseline(ratio: ratio), bytes) {
        case let .rendered(rendering):
            if case let .fixed(value) = ratio, rendering.ratio != value {
                throw RawDecodingError.decoderMalfunction(reason: "it rendered with ratio \(rendering.ratio), not \(value)")
            }
            return rendering
        case .raw, .metadata: throw RawDecodingError.decoderMalfunction(reason: "it answered a rendering with something else")
        case let .failure(error): throw error
        }
    }

    /// Set for the helper on top of this process's environment. The Swift runtime's crash backtracer stays off:
    /// it would spend time on every crash, and its register and memory dumps on stderr hold upload bytes.
    static let helperEnvironment: [String: String] = {
        var environment = ["SWIFT_BACKTRACE": "enable=no"]
        // Where sanitizer options are set (scripts/ci/sanitizers.sh), the helper must still die by a signal where
        // LibRaw faults, as in production, rather than have the sanitizer turn the fault into a report and exit
        // status 1. Without a sanitizer runtime nothing reads these variables.
        let inherited = ProcessInfo.processInfo.environment
        let signals = "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:abort_on_error=1"
        for name in ["ASAN_OPTIONS", "TSAN_OPTIONS"] {
            if let options = inherited[name] { environment[name] = "\(options):\(signals)" }
        }
        return environment
    }()

    /// Messages the Swift runtime, libstdc++ and glibc print when an allocation fails, which under RLIMIT_AS is
    /// how the memory limit shows.
    static let outOfMemoryMarkers = ["failed to allocate", "Could not allocate memory", "std::bad_alloc",
                                     "Cannot allocate memory", "out of memory"]

    private func run(_ kind: DecoderRequest.Kind, _ bytes: UnsafeRawBufferPointer) throws -> DecoderResponse {
        guard !bytes.isEmpty else { throw RawDecodingError.emptyInput }
        let request = DecoderRequest(kind: kind, maxPixels: maxPixels, memoryLimitBytes: isolation.memoryLimitBytes,
                                     cpuSeconds: isolation.cpuSeconds, inputByteCount: bytes.count)
        let process: HelperProcess
        do {
            process = try HelperProcess(command: isolation.command, environment: Self.helperEnvironment,
                                        deadline: .now + isolation.timeout)
        } catch let failure as HelperProcess.IOFailure {
            throw RawDecodingError.decoderMalfunction(reason: Self.describe(failure))
        }

        let outcome: Result<DecoderResponse, Error>
        do {
            let header = request.header
            if try header.withUnsafeBytes({ try process.send($0) }) {
                _ = try process.send(bytes)
            }
            process.closeInput()
            let response = try DecoderResponse.read(from: process.receive(into:), maxPixels: maxPixels)
            guard try process.outputEnds() else {
                throw DecoderWireError.outOfRange("more bytes follow the response")
            }
            outcome = .success(response)
        } catch {
            outcome = .failure(error)
            process.kill()
        }
        let termination = process.wait()
        if process.passedDeadline {
            throw RawDecodingError.decoderTimedOut(seconds: isolation.timeoutSeconds)
        }
        switch termination {
        case .signalled(SIGXCPU):
            throw RawDecodingError.decoderTimedOut(seconds: isolation.timeoutSeconds)
        case .signalled(SIGKILL) where process.wasKilled:
            // Killed here, for a malformed answer: the outcome says what was wrong.
            break
        case let .signalled(signal):
            if ranOutOfMemory(process) { throw outOfMemory }
            throw RawDecodingError.decoderCrashed(signal: signal)
        case .exited(0):
            break
        case let .exited(status):
            if ranOutOfMemory(process) { throw outOfMemory }
            throw RawDecodingError.decoderMalfunction(reason: "it exited with status \(status) without an answer")
        }
        switch outcome {
        case let .success(response):
            return response
        case let .failure(failure as HelperProcess.IOFailure):
            throw RawDecodingError.decoderMalfunction(reason: Self.describe(failure))
        case let .failure(failure):
            throw RawDecodingError.decoderMalfunction(reason: "it sent a malformed answer: \(failure)")
        }
    }

    private var outOfMemory: RawDecodingError {
        .decoderOutOfMemory(limitMegabytes: isolation.memoryLimitBytes >> 20)
    }

    private func ranOutOfMemory(_ process: HelperProcess) -> Bool {
        let text = String(decoding: process.errorHead, as: UTF8.self)
        return Self.outOfMemoryMarkers.contains { text.contains($0) }
    }

    private static func describe(_ failure: HelperProcess.IOFailure) -> String {
        switch failure {
        case .endOfStream: return "it closed its output before the answer was complete"
        case .deadlinePassed: return "it did not answer in time"
        case let .system(reason): return reason
        }
    }
}
