@testable import SIDWeights

/// Parses a safetensors file held in memory: what it accepts must be tensors that lie inside the data area, do not
/// overlap, and hold exactly the bytes their shape needs.
enum WeightsFileFuzzer {
    static func run(_ input: UnsafeRawBufferPointer) {
        let header: (metadata: [String: String], layouts: [String: WeightsFile.Layout])
        do {
            header = try WeightsFile.parseHeader(of: input, path: "fuzz.safetensors")
        } catch let error as WeightsError {
            _ = error.description
            return
        } catch {
            Invariant.require(false, "parsing threw \(error), which is not a WeightsError")
            return
        }
        let dataStart = 8 + Int(input.loadUnaligned(as: UInt64.self))
        var ranges: [Range<Int>] = []
        for (name, layout) in header.layouts {
            Invariant.require(dataStart <= layout.start && layout.start <= layout.end && layout.end <= input.count,
                              "tensor \(name) spans \(layout.start)..<\(layout.end) of \(dataStart)..<\(input.count)")
            let elements = layout.shape.reduce(1, *)
            Invariant.require(elements * 4 == layout.end - layout.start,
                              "tensor \(name) of shape \(layout.shape) spans \(layout.end - layout.start) bytes")
            if layout.start < layout.end { ranges.append(layout.start ..< layout.end) }
        }
        ranges.sort { $0.lowerBound < $1.lowerBound }
        for (earlier, later) in zip(ranges, ranges.dropFirst()) {
            Invariant.require(earlier.upperBound <= later.lowerBound, "tensors at \(earlier) and \(later) overlap")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    WeightsFileFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
