#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Why raw bytes could not become a model input, phrased for the person who sent them.
public enum RawDecodingError: Error, CustomStringConvertible, Equatable, Sendable {
    case emptyInput
    /// LibRaw does not recognise the bytes; `detectedFormat` names what they look like when that is recognisable.
    case notARawFile(detectedFormat: String?, reason: String)
    /// A recognised raw whose header or pixel data ends early or does not make sense.
    case truncatedOrCorrupt(reason: String)
    /// A raw LibRaw read without an error code but whose pixels are damaged or missing (corrupt data reported, an
    /// all-constant frame, a large part never filled).
    case damagedImageData(reason: String)
    /// A recognised raw whose pixel encoding LibRaw 0.20 cannot decode.
    case undecodablePixelData(reason: String)
    /// A Fuji X-Trans raw where only the Bayer model can be used. `RawDecoder` decodes X-Trans raws since the Fuji
    /// model is supported, so it no longer throws this; the case stays for callers that refuse X-Trans themselves.
    case xTransSensor
    case monochromeSensor
    case linearImage
    case unsupportedColorFilter(layout: String)
    case tooSmall(width: Int, height: Int)
    case tooManyPixels(width: Int, height: Int, limit: Int)
    case invalidLevels(blackLevels: [Float], whiteLevel: Float)
    /// LibRaw itself failed (e.g. out of memory) on an input it accepted.
    case libRawFailure(operation: String, reason: String)
    /// The separate decoder process (`IsolatedRawDecoder`) died of a signal while decoding this input.
    case decoderCrashed(signal: Int32)
    /// The separate decoder process was still busy after `seconds` and was killed.
    case decoderTimedOut(seconds: Double)
    /// The separate decoder process needed more memory than its limit of `limitMegabytes` MiB.
    case decoderOutOfMemory(limitMegabytes: Int)
    /// The separate decoder process could not be started, exited without an answer or sent a malformed one.
    case decoderMalfunction(reason: String)

    /// Smallest visible side of a Bayer raw that packs to the model's minimum of 16x16 per plane.
    public static let minimumVisibleSide = 32

    public var description: String {
        switch self {
        case .emptyInput:
            return "the input is empty: expected the bytes of a camera raw file"
        case let .notARawFile(detectedFormat?, reason):
            return "the input is \(detectedFormat), not a camera raw file LibRaw can read (LibRaw: \(reason)); "
                + "send the camera's raw file (for example ARW, CR2, NEF or DNG)"
        case let .notARawFile(nil, reason):
            return "the input is not a camera raw file LibRaw can read (LibRaw: \(reason)); "
                + "send the camera's raw file (for example ARW, CR2, NEF or DNG)"
        case let .truncatedOrCorrupt(reason):
            return "the raw file is truncated or corrupt: \(reason)"
        case let .damagedImageData(reason):
            return "the raw's image data is damaged or missing (\(reason)); send the file as the camera wrote it"
        case let .undecodablePixelData(reason):
            return "LibRaw 0.20 cannot decode this raw's pixel data (\(reason)); the camera or its compression "
                + "mode is not supported"
        case .xTransSensor:
            return "this is a Fuji X-Trans raw (6x6 colour filter): Fuji X-Trans raws need the Fuji model; "
                + "here only 2x2 Bayer raws can be used"
        case .monochromeSensor:
            return "this raw has no colour filter (a monochrome sensor); the SID models need a 2x2 Bayer or a "
                + "Fuji X-Trans raw"
        case .linearImage:
            return "this raw is already demosaiced (a linear DNG or similar, with full colour at every pixel); "
                + "the SID models need the original colour-filter mosaic"
        case let .unsupportedColorFilter(layout):
            return "the sensor's colour filter (\(layout)) is neither a 2x2 RGB Bayer pattern nor Fuji's 6x6 "
                + "X-Trans, which the SID models need"
        case let .tooSmall(width, height):
            let xTransSide = 3 * XTransPacker.minimumPackedSide
            let bayerSide = Self.minimumVisibleSide
            return "the image is too small: its visible area is \(width)x\(height) pixels but the model needs 16x16 "
                + "per plane after packing, at least \(bayerSide)x\(bayerSide) for a Bayer raw and "
                + "\(xTransSide)x\(xTransSide) for X-Trans, counted from where the X-T2's 6x6 phase starts"
        case let .tooManyPixels(width, height, limit):
            // The sides come from the file's header: their product may not fit in an Int.
            let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
            return "the raw claims \(width)x\(height) = \(overflow ? "more than \(Int.max)" : "\(pixels)") pixels, "
                + "more than the limit of \(limit)"
        case let .invalidLevels(blackLevels, whiteLevel):
            return "the raw's levels are unusable: the white level \(whiteLevel) must be above every black level "
                + "\(blackLevels)"
        case let .libRawFailure(operation, reason):
            return "LibRaw failed to \(operation): \(reason)"
        case let .decoderCrashed(signal):
            return "the raw decoder crashed on this file (\(Self.signalName(signal))): LibRaw cannot read it safely; "
                + "it is corrupt or crafted to attack the decoder"
        case let .decoderTimedOut(seconds):
            return "the raw decoder was still working on this file after \(String(format: "%g", seconds)) seconds "
                + "and was stopped; the file is probably corrupt"
        case let .decoderOutOfMemory(limitMegabytes):
            return "decoding this file needs more than the \(limitMegabytes) MiB of memory the raw decoder may use"
        case let .decoderMalfunction(reason):
            return "the raw decoder process failed: \(reason)"
        }
    }

    /// What went wrong in the separate decoder process, for counting: "crash", "timeout", "memory" or
    /// "malfunction"; nil for errors about the file itself.
    public var decoderFailureKind: String? {
        switch self {
        case .decoderCrashed: return "crash"
        case .decoderTimedOut: return "timeout"
        case .decoderOutOfMemory: return "memory"
        case .decoderMalfunction: return "malfunction"
        default: return nil
        }
    }

    /// "signal 11, SIGSEGV: Segmentation fault".
    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGILL: "SIGILL",
            SIGTRAP: "SIGTRAP", SIGSYS: "SIGSYS", SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGPIPE: "SIGPIPE",
            SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ",
        ]
        let description = strsignal(signal).map { String(cString: $0) } ?? "unknown signal"
        return "signal \(signal)" + (names[signal].map { ", \($0)" } ?? "") + ": \(description)"
    }

    /// 415 when the input is not a raw at all, 422 when it is a raw this service cannot use (including one that
    /// crashes, hangs or exhausts the separate decoder: retrying the same file would do the same), 500 for LibRaw
    /// failures and a decoder process that misbehaves on its own.
    public var httpStatusHint: Int {
        switch self {
        case .emptyInput, .notARawFile:
            return 415
        case .truncatedOrCorrupt, .damagedImageData, .undecodablePixelData, .xTransSensor, .monochromeSensor, .linearImage,
             .unsupportedColorFilter, .tooSmall, .tooManyPixels, .invalidLevels, .decoderCrashed, .decoderTimedOut,
             .decoderOutOfMemory:
            return 422
        case .libRawFailure, .decoderMalfunction:
            return 500
        }
    }
}
