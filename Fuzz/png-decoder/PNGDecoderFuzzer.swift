import SIDImage
import PNGTestDecoder

/// Decodes bytes as a PNG: libpng errors must come back as `PNGError`, and a decoded image must hold exactly
/// width x height x channels samples of its bit depth.
enum PNGDecoderFuzzer {
    static let decoder = PNGDecoder(maxPixelCount: 1 << 20)

    static func run(_ input: UnsafeRawBufferPointer) {
        let image: DecodedPNG
        do {
            image = try decoder.decode(Array(input))
        } catch let error as PNGError {
            _ = error.description
            return
        } catch {
            Invariant.require(false, "decoding threw \(error), which is not a PNGError")
            return
        }
        Invariant.require(image.width > 0 && image.height > 0 && image.width * image.height <= 1 << 20,
                          "a \(image.width)x\(image.height) image passed the pixel limit")
        Invariant.require((1 ... 4).contains(image.channels) && (image.bitDepth == 8 || image.bitDepth == 16),
                          "\(image.channels) channels of \(image.bitDepth) bits")
        Invariant.require(image.samples.count == image.width * image.height * image.channels,
                          "\(image.samples.count) samples for \(image.width)x\(image.height)x\(image.channels)")
        if image.bitDepth == 8 {
            Invariant.require(image.samples.allSatisfy { $0 <= 255 }, "an 8-bit sample above 255")
        }
        for entry in image.text { _ = image.textValue(forKey: entry.key) }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    PNGDecoderFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
