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
