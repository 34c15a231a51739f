@testable import SIDRaw

/// Decodes bytes as an uploaded raw, as the service does, then packs the mosaic for the model: whatever LibRaw
/// accepts, our checks and packers must turn into planes of values in [0, 1] or refuse with an error.
///
/// LibRaw itself is not instrumented; a crash inside it is a reason for the decoder-isolation subprocess, not a bug
/// to fix here (docs/fuzzing.md).
enum RawDecoderFuzzer {
    /// Far below the service's 100 megapixels, so that each input decodes in milliseconds.
    static let decoder = RawDecoder(maxPixels: 4_000_000)

    static func run(_ input: UnsafeRawBufferPointer) {
        LibRawFaultMarker.install()
        if let metadata = try? decoder.metadata(input) {
            Invariant.require(metadata.blackLevels.count == 4, "\(metadata.blackLevels.count) black levels")
        }
        let raw: RawImage
        do {
            raw = try decoder.decode(input)
        } catch let error as RawDecodingError {
            _ = error.description
            return
        } catch {
            Invariant.require(false, "decoding threw \(error), which is not a RawDecodingError")
            return
        }
        Invariant.require(raw.pixels.count == raw.width * raw.height,
                          "\(raw.pixels.count) pixels for a \(raw.width)x\(raw.height) image")
        Invariant.require(raw.blackLevels.allSatisfy { $0 >= 0 && $0 < raw.whiteLevel },
                          "black \(raw.blackLevels) is not below white \(raw.whiteLevel)")
        let packed: PackedImage
        switch raw.mosaic {
        case .bayer: packed = BayerPacker.pack(raw, ratio: 100)
        case .xTrans: packed = XTransPacker.pack(raw, ratio: 100)
        }
        Invariant.require(packed.width >= BayerPacker.minimumPackedSide && packed.height >= BayerPacker.minimumPackedSide,
                          "a \(packed.width)x\(packed.height) packed image passed the size check")
        Invariant.require(packed.values.count == packed.channels * packed.width * packed.height,
                          "\(packed.values.count) packed values for \(packed.channels)x\(packed.height)x\(packed.width)")
        Invariant.require(packed.values.allSatisfy { $0 >= 0 && $0 <= 1 }, "a packed value lies outside [0, 1]")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    RawDecoderFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
