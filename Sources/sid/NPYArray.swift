import Foundation

#if _endian(big)
#error("NPYArray reads and writes '<f4' values in host byte order")
#endif

/// A C-order float32 array in NumPy's .npy format, the exchange format with Python runtimes and references.
struct NPYArray: Equatable {
    let shape: [Int]
    let values: [Float]

    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    /// numpy pads the preamble and header to a multiple of this, so the data that follows is aligned.
    static let alignment = 64

    init(shape: [Int], values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count, "the shape must hold the values")
        self.shape = shape
        self.values = values
    }

    /// The .npy v1.0 bytes: preamble, header dict padded with spaces to the alignment, then the raw values.
    func encoded() -> Data {
        let dimensions = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': \(dimensions), }".utf8)
        let unpadded = Self.magic.count + 4 + header.count + 1
        header += Array(repeating: UInt8(ascii: " "), count: (Self.alignment - unpadded % Self.alignment) % Self.alignment)
        header.append(UInt8(ascii: "\n"))
        var data = Data(Self.magic + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header)
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }

    /// Parses a v1, v2 or v3 file holding '<f4' values in C order; anything else gets a sentence saying what it is.
    init(parsing data: Data) throws {
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 8, Array(bytes[0..<6]) == Self.magic else { throw NPYError.notNPY }
        let major = bytes[6]
        let headerStart: Int
        let headerLength: Int
        switch major {
        case 1:
            guard bytes.count >= 10 else { throw NPYError.truncated("the header length is missing") }
            headerStart = 10
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case 2, 3:
            guard bytes.count >= 12 else { throw NPYError.truncated("the header length is missing") }
            headerStart = 12
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        default:
            throw NPYError.badHeader("format version \(major).\(bytes[7]) is unknown")
        }
        guard data.count >= headerStart + headerLength else {
            throw NPYError.truncated("the header claims \(headerLength) bytes but \(data.count - headerStart) follow")
        }
        let start = data.startIndex
        guard let text = String(data: data[start + headerStart ..< start + headerStart + headerLength], encoding: .utf8) else {
            throw NPYError.badHeader("it is not text")
        }
        let header = try NPYHeader(text)
        guard header.descr == "<f4" || header.descr == "=f4" else {
            throw NPYError.unsupportedType("the array's dtype is '\(header.descr)'")
        }
        guard !header.fortranOrder else { throw NPYError.unsupportedType("the array is in Fortran order") }
        var count = 1
        for dimension in header.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= data.count / 4 else {
                throw NPYError.truncated("shape \(header.shape) needs more values than the file holds")
            }
            count = product
        }
        let payload = data.count - headerStart - headerLength
        guard payload == count * 4 else {
            throw payload < count * 4
                ? NPYError.truncated("shape \(header.shape) needs \(count * 4) bytes of data but \(payload) follow the header")
                : NPYError.badHeader("\(payload - count * 4) bytes follow the \(count) values of shape \(header.shape)")
        }
        let dataStart = start + headerStart + headerLength
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            data[dataStart...].withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
            initialized = count
        }
        self.init(shape: header.shape, values: values)
    }
}
