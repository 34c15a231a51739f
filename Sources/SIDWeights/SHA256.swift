import COpenSSL
import Foundation

/// SHA-256 as lowercase hex, computed with OpenSSL.
public enum SHA256 {
    /// The SHA-256 of bytes in memory.
    public static func hex(of data: Data) -> String {
        let digest = EVPDigest(.sha256)
        digest.update(data)
        return digest.finalHex()
    }

    /// The SHA-256 of a file, read in chunks so a file of any size hashes in constant memory.
    public static func hex(ofFileAt path: String) throws -> String {
        let digest = EVPDigest(.sha256)
        try EVPDigest.feed(fileAt: path, to: [digest])
        return digest.finalHex()
    }

    static func hex(of bytes: UnsafeRawBufferPointer) -> String {
        let digest = EVPDigest(.sha256)
        digest.update(bytes)
        return digest.finalHex()
    }
}

/// An incremental OpenSSL EVP message digest (SHA-256 or SHA-1) producing lowercase hex.
package final class EVPDigest {
    package enum Algorithm {
        case sha256
        case sha1
    }

    private let context: OpaquePointer

    package init(_ algorithm: Algorithm) {
        // Allocation failure of a few hundred bytes is not a recoverable condition for this process.
        guard let context = EVP_MD_CTX_new() else { fatalError("OpenSSL could not allocate a digest context") }
        self.context = context
        let method = algorithm == .sha256 ? EVP_sha256() : EVP_sha1()
        EVP_DigestInit_ex(context, method, nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    package func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    package func update(_ data: Data) {
        data.withUnsafeBytes { update($0) }
    }

    package func finalHex() -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest[..<Int(length)].map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }

    /// Feeds a file to several digests in one sequential pass, 1 MiB at a time.
    package static func feed(fileAt path: String, to digests: [EVPDigest]) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw WeightsError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let count = read(descriptor, chunk.baseAddress, chunk.count)
            if count == 0 { return }
            if count < 0 {
                if errno == EINTR { continue }
                throw WeightsError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
            }
            let filled = UnsafeRawBufferPointer(rebasing: chunk[..<count])
            for digest in digests { digest.update(filled) }
        }
    }

    /// Size of a file in bytes, needed before hashing for the git blob header.
    package static func fileSize(atPath path: String) throws -> Int {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw WeightsError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        return Int(status.st_size)
    }
}
