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

    @inline(__always)
    func store(_ value: Float, at index: Int) {
        switch self {
        case .float(let target):
            target[index] = value
        case .rgb8(let target):
            target[index] = UInt8((min(max(value, 0), 1) * 255).rounded())
        case .rgb16(let target):
            target[index] = UInt16((min(max(value, 0), 1) * 65535).rounded())
        }
    }
}
