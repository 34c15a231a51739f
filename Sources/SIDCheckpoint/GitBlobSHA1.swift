import Foundation
import SIDWeights

/// The SHA-1 git gives a file's contents (`git hash-object`): sha1("blob <size>\0" + bytes).
///
/// Published checkpoints are identified by this hash because it is what a repository listing shows.
public enum GitBlobSHA1 {
    /// The git blob SHA-1 of bytes in memory.
    public static func hex(of data: Data) -> String {
        let digest = EVPDigest(.sha1)
        digest.update(header(size: data.count))
        digest.update(data)
        return digest.finalHex()
    }

    /// The git blob SHA-1 of a file, streamed.
    public static func hex(ofFileAt path: String) throws -> String {
        let digest = EVPDigest(.sha1)
        digest.update(header(size: try EVPDigest.fileSize(atPath: path)))
        try EVPDigest.feed(fileAt: path, to: [digest])
        return digest.finalHex()
    }

    static func header(size: Int) -> Data {
        Data("blob \(size)\0".utf8)
    }
}
