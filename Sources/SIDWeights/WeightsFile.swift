import Foundation
import SIDModel

/// An open safetensors weights file: the only weights format the service loads.
///
/// The file is mapped read-only and stays mapped while the object lives; tensors are views into the mapping.
/// Opening validates the whole header against the file, so a wrong, truncated or foreign file fails here.
public final class WeightsFile: @unchecked Sendable {
    /// Headers beyond this are not weights files (the real SID header is about 5 KB).
    public static let maximumHeaderLength = 100_000_000
    /// Gaps this short between or after tensors are alignment padding; longer ones mean the header lies.
    static let alignmentTolerance = 64

    public let path: String
    /// The header's `__metadata__` string map (empty when absent).
    public let metadata: [String: String]
    /// Tensor names, sorted.
    public let names: [String]
    /// SHA-256 of the whole file, lowercase hex.
    public let sha256: String

    private let file: MappedFile
    private let layouts: [String: Layout]
    /// Copies of tensors whose data is not 4-byte aligned in the file, since Float loads need alignment.
    private let alignedCopies: [String: UnsafeMutableBufferPointer<Float>]

    struct Layout {
        let shape: [Int]
        /// Absolute byte range in the file.
        let start: Int
        let end: Int
    }

    /// Maps and validates the file at `path`.
    public init(path: String) throws {
        self.path = path
        file = try MappedFile(path: path)
        let header = try Self.parseHeader(of: file.bytes, path: path)
        metadata = header.metadata
        layouts = header.layouts
        names = header.layouts.keys.sorted()
        sha256 = SHA256.hex(of: file.bytes)

        var copies: [String: UnsafeMutableBufferPointer<Float>] = [:]
        for (name, layout) in header.layouts where layout.start % MemoryLayout<Float>.alignment != 0 {
            let count = (layout.end - layout.start) / MemoryLayout<Float>.size
            let copy = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
            UnsafeMutableRawBufferPointer(copy).copyMemory(
                from: UnsafeRawBufferPointer(rebasing: file.bytes[layout.start ..< layout.end]))
            copies[name] = copy
        }
        alignedCopies = copies
    }

    deinit {
        for copy in alignedCopies.values { copy.deallocate() }
    }

    /// The tensor called `name`, or nil when the file has none.
    public func tensor(_ name: String) -> TensorView? {
        guard let layout = layouts[name] else { return nil }
        if let copy = alignedCopies[name] {
            return TensorView(name: name, shape: layout.shape, values: UnsafeBufferPointer(copy), owner: self)
        }
        let count = (layout.end - layout.start) / MemoryLayout<Float>.size
        let start = file.bytes.baseAddress.map { ($0 + layout.start).assumingMemoryBound(to: Float.self) }
        return TensorView(name: name, shape: layout.shape, values: UnsafeBufferPointer(start: start, count: count), owner: self)
    }

    /// Every tensor's shape, by name.
    public var shapes: [String: [Int]] { layouts.mapValues(\.shape) }

    /// The SID U-Net these tensors form, checked tensor by tensor; throws `SIDArchitecture.Mismatch` otherwise.
    public func architecture() throws -> SIDArchitecture {
        try SIDArchitecture.identify(shapes: shapes)
    }

    // MARK: - Header

    /// Internal rather than private so that the fuzzer (Fuzz/safetensors) can feed it bytes without a file.
    static func parseHeader(
        of bytes: UnsafeRawBufferPointer, path: String
    ) throws -> (metadata: [String: String], layouts: [String: Layout]) {
        func invalid(_ reason: String) -> WeightsError { .invalidSafeTensors(path: path, reason: reason) }

        guard bytes.count >= 8 else {
            throw invalid("it is \(bytes.count) bytes long, shorter than the 8-byte header length")
        }
        let declared = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard declared > 0, declared <= UInt64(maximumHeaderLength), declared <= UInt64(bytes.count - 8) else {
            if let hint = foreignFormatHint(bytes) { throw invalid(hint) }
            if declared == 0 { throw invalid("the header length is zero") }
            if declared > UInt64(maximumHeaderLength) { throw invalid("the header length \(declared) is implausible") }
            throw invalid("the file is truncated: the header claims \(declared) bytes but \(bytes.count - 8) follow")
        }
        let headerLength = Int(declared)
        let dataStart = 8 + headerLength
        let dataSize = bytes.count - dataStart
        let json = Data(UnsafeRawBufferPointer(rebasing: bytes[8 ..< dataStart]))
        guard let object = try? JSONSerialization.jsonObject(with: json), let header = object as? [String: Any] else {
            throw invalid(Self.foreignFormatHint(bytes) ?? "the header is not a JSON object")
        }

        var metadata: [String: String] = [:]
        var layouts: [String: Layout] = [:]
        var ranges: [(name: String, start: Int, end: Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else { throw invalid("__metadata__ is not an object") }
                for (key, item) in map {
                    guard let string = item as? String else { throw invalid("metadata value \(key) is not a string") }
                    metadata[key] = string
                }
                continue
            }
            guard let entry = value as? [String: Any] else { throw invalid("entry \(name) is not an object") }
            guard let dtype = entry["dtype"] as? String else { throw invalid("tensor \(name) has no dtype") }
            guard dtype == "F32" else {
                throw invalid("tensor \(name) has dtype \(dtype); only F32 weights are supported")
            }
            guard let shapeItems = entry["shape"] as? [Any], let offsetItems = entry["data_offsets"] as? [Any] else {
                throw invalid("tensor \(name) lacks a shape or data_offsets")
            }
            let shape = shapeItems.compactMap { $0 as? Int }
            let offsets = offsetItems.compactMap { $0 as? Int }
            guard shape.count == shapeItems.count, shape.allSatisfy({ $0 >= 0 }) else {
                throw invalid("tensor \(name) has a malformed shape")
            }
            guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw invalid("tensor \(name) has malformed data_offsets")
            }
            guard offsets[1] <= dataSize else {
                throw invalid("the file is truncated: tensor \(name) ends at data byte \(offsets[1]) of \(dataSize)")
            }
            var count = 1
            for dimension in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow, product <= dataSize else { throw invalid("tensor \(name) has an impossible shape") }
                count = product
            }
            guard count * MemoryLayout<Float>.size == offsets[1] - offsets[0] else {
                throw invalid("tensor \(name) of shape \(shape) needs \(count * 4) bytes"
                    + " but its data_offsets span \(offsets[1] - offsets[0])")
            }
            layouts[name] = Layout(shape: shape, start: dataStart + offsets[0], end: dataStart + offsets[1])
            ranges.append((name, offsets[0], offsets[1]))
        }

        // Tensors must tile the data area in order; only alignment padding may sit between or after them.
        ranges.sort { $0.start < $1.start || ($0.start == $1.start && $0.end < $1.end) }
        var previousEnd = 0
        var previousName = "the header"
        for range in ranges {
            guard range.start >= previousEnd else {
                throw invalid("tensors \(previousName) and \(range.name) overlap")
            }
            guard range.start - previousEnd < alignmentTolerance else {
                throw invalid("there are \(range.start - previousEnd) unused bytes before tensor \(range.name)")
            }
            previousEnd = range.end
            previousName = range.name
        }
        guard dataSize - previousEnd < alignmentTolerance else {
            throw invalid("\(dataSize - previousEnd) bytes follow the last tensor")
        }
        return (metadata, layouts)
    }

    /// Names the format of a file that is clearly something else, to make the error actionable.
    private static func foreignFormatHint(_ bytes: UnsafeRawBufferPointer) -> String? {
        let prefix = Array(bytes.prefix(8))
        if prefix.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "it is a PNG image" }
        if prefix.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            return "it is a zip archive (a PyTorch checkpoint? convert it with `sid convert`)"
        }
        if prefix.first == 0x80 { return "it is a Python pickle (a legacy PyTorch checkpoint? convert it with `sid convert`)" }
        return nil
    }
}

/// A read-only float32 tensor inside an open `WeightsFile`, without a copy.
///
/// The view keeps its `WeightsFile` (and so the mapping) alive: `values` is valid as long as the view or the
/// file is. The memory is never written, so views can be read from any thread.
public struct TensorView: @unchecked Sendable {
    public let name: String
    /// Dimensions, outermost first; values are row-major.
    public let shape: [Int]
    public let values: UnsafeBufferPointer<Float>
    /// Holds the memory `values` points into.
    private let owner: AnyObject

    init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>, owner: AnyObject) {
        self.name = name
        self.shape = shape
        self.values = values
        self.owner = owner
    }
}

/// What can go wrong opening a weights file, each as a sentence a person can act on.
public enum WeightsError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened, read or mapped.
    case unreadableFile(path: String, reason: String)
    /// The file is not a safetensors file at all, or its header contradicts its contents.
    case invalidSafeTensors(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .invalidSafeTensors(let path, let reason):
            return "\(path) is not a valid safetensors weights file: \(reason)"
        }
    }
}
