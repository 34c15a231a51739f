import Foundation

#if _endian(big)
#error("safetensors data is little-endian; this module writes and maps float32 values in host byte order")
#endif

/// Writes float32 tensors as a safetensors file: an 8-byte little-endian header length, a JSON header padded
/// with spaces to a multiple of 8 bytes, then the tensors' bytes back to back in sorted name order.
public enum SafeTensorsWriter {
    /// Writes atomically: the file appears complete under `path` or not at all.
    public static func write(_ tensors: [NamedTensor], metadata: [String: String], to path: String) throws {
        let sorted = try validated(tensors)
        let header = headerBytes(for: sorted, metadata: metadata)
        var length = UInt64(header.count).littleEndian

        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "." : directory)
            + "/.\((path as NSString).lastPathComponent).\(getpid()).\(UInt32.random(in: 0 ... .max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure(path, "cannot create \(temporary)") }
        var closed = false
        defer {
            if !closed { close(descriptor) }
        }
        do {
            try withUnsafeBytes(of: &length) { try writeAll($0, to: descriptor, path: path) }
            try header.withUnsafeBytes { try writeAll($0, to: descriptor, path: path) }
            for tensor in sorted {
                try tensor.values.withUnsafeBytes { try writeAll($0, to: descriptor, path: path) }
            }
            guard fsync(descriptor) == 0 else { throw failure(path, "fsync failed") }
            closed = true
            guard close(descriptor) == 0 else { throw failure(path, "close failed") }
            guard rename(temporary, path) == 0 else { throw failure(path, "cannot rename \(temporary) into place") }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// The padded JSON header for tensors already in write order.
    static func headerBytes(for tensors: [NamedTensor], metadata: [String: String]) -> [UInt8] {
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                .map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for tensor in tensors {
            let end = offset + tensor.values.count * MemoryLayout<Float>.size
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            fields.append("\(jsonString(tensor.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var bytes = Array("{\(fields.joined(separator: ","))}".utf8)
        // Padding keeps the data area 8-byte aligned, so mapped float32 values are aligned too.
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8))
        return bytes
    }

    private static func validated(_ tensors: [NamedTensor]) throws -> [NamedTensor] {
        var names = Set<String>()
        for tensor in tensors {
            guard !tensor.name.isEmpty, tensor.name != "__metadata__" else {
                throw CheckpointError.invalidTensor(name: tensor.name, reason: "the name is empty or reserved")
            }
            guard names.insert(tensor.name).inserted else {
                throw CheckpointError.invalidTensor(name: tensor.name, reason: "two tensors have this name")
            }
            guard tensor.shape.checkedProduct == tensor.values.count else {
                throw CheckpointError.invalidTensor(
                    name: tensor.name, reason: "shape \(tensor.shape) does not hold \(tensor.values.count) values")
            }
        }
        return tensors.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    private static func jsonString(_ string: String) -> String {
        var escaped = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where scalar.value < 0x20:
                let digits = String(scalar.value, radix: 16)
                escaped += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }

    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, path: String) throws {
        guard let base = bytes.baseAddress else { return }
        var written = 0
        while written < bytes.count {
            let result = Foundation.write(descriptor, base + written, bytes.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                throw failure(path, "write failed")
            }
            written += result
        }
    }

    private static func failure(_ path: String, _ what: String) -> CheckpointError {
        CheckpointError.writeFailed(path: path, reason: "\(what): \(String(cString: strerror(errno)))")
    }
}
