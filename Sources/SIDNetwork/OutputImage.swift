import CKernels

/// Where the network writes its RGB result: interleaved rows of `scale * width` pixels, three samples each.
///
/// The final 1x1 conv, the pixel shuffle, the clip to [0, 1] and the quantisation happen in one pass
/// per streamed row, so no full-resolution float image is ever held unless `.float` asks for one.
public enum OutputImage {
    /// Unclipped network output, for comparing against a reference.
    case float(UnsafeMutablePointer<Float>)
    /// round(clip(x) * 255)
    case rgb8(UnsafeMutablePointer<UInt8>)
    /// round(clip(x) * 65535)
    case rgb16(UnsafeMutablePointer<UInt16>)
    /// The same target, and `rowsFinished(n)` each time rows `0..<n` of the whole image hold their final values
    /// (called on the thread that runs the network, in increasing order), so a consumer such as a PNG encoder can
    /// start on the top of the image while the network still computes the rest.
    indirect case reporting(OutputImage, rowsFinished: (Int) -> Void)

    /// How the C kernel that writes conv10's output stores a sample.
    var kind: sid_output_kind {
        switch self {
        case .float: return SID_OUTPUT_FLOAT
        case .rgb8: return SID_OUTPUT_RGB8
        case .rgb16: return SID_OUTPUT_RGB16
        case .reporting(let target, _): return target.kind
        }
    }

    var address: UnsafeMutableRawPointer {
        switch self {
        case .float(let target): return UnsafeMutableRawPointer(target)
        case .rgb8(let target): return UnsafeMutableRawPointer(target)
        case .rgb16(let target): return UnsafeMutableRawPointer(target)
        case .reporting(let target, _): return target.address
        }
    }
}
