import SIDRaw

/// Reads an upload's TIFF header as `sid serve` does on the connection thread, in the service's own process and
/// before the isolated decoder: `TIFFLayoutCheck` either lets the bytes through or refuses them with a
/// `RawDecodingError` whose sentence can be sent. No LibRaw here, so the header arithmetic gets millions of inputs
/// where the raw-decoder target gets thousands (this check's first trap was found by the soak, not by fuzzing).
enum TIFFLayoutCheckFuzzer {
    /// The service's default pixel limit (64 MP) and a small one, so both sides of the size refusal are reached.
    static let checks = [TIFFLayoutCheck(maxPixels: 64_000_000), TIFFLayoutCheck(maxPixels: 4096)]

    static func run(_ input: UnsafeRawBufferPointer) {
        for check in checks {
            do {
                try check.check(input)
            } catch let error as RawDecodingError {
                switch error {
                case .tooManyPixels, .tooSmall, .truncatedOrCorrupt:
                    Invariant.require(!error.description.isEmpty, "an empty refusal")
                default:
                    Invariant.require(false, "the header check refused with \(error), which it never should")
                }
            } catch {
                Invariant.require(false, "the header check threw \(error), which is not a RawDecodingError")
            }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    TIFFLayoutCheckFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
