import Foundation
import SIDWeights

/// A checkpoint file published on GitHub, identified by its git blob SHA-1 (`git hash-object`).
public struct PublishedCheckpoint: Equatable, Sendable {
    public let gitBlobSHA1: String
    public let name: String

    /// The published SID checkpoints this project knows; see ../shared/sid-assets/UNOBTAINABLE_BLOBS.tsv.
    public static let known: [PublishedCheckpoint] = [
        PublishedCheckpoint(
            gitBlobSHA1: "b6a3497865b4c69587decbf9f8a9c1334fe34f25",
            name: "SID authors' TensorFlow Sony model (checkpoint/Sony/model.ckpt.data-00000-of-00001)"),
        PublishedCheckpoint(
            gitBlobSHA1: "df621004606500815deee0689cceb3512033f36b",
            name: "SID authors' TensorFlow Fuji model (checkpoint/Fuji/model.ckpt.data-00000-of-00001)"),
        PublishedCheckpoint(
            gitBlobSHA1: "90a44e1bd9e38ec2f4f7160db1cb4c8d97a4e768",
            name: "PyTorch port checkpoint_sony_e4000.pth (lavi135246)"),
        PublishedCheckpoint(
            gitBlobSHA1: "8d1ca9129c80b3381e9401fa99fce29452ba3ca3",
            name: "PyTorch port checkpoint_sony_ssime0150.pth"),
        PublishedCheckpoint(
            gitBlobSHA1: "f838a4a1444b9870b9e3d03eb61f71718f2930d0",
            name: "TensorFlow Sony checkpoint (fork copy in Thanvi7623/VisionBoost, checkpoint/Sony)"),
        PublishedCheckpoint(
            gitBlobSHA1: "550d8f8eeb359318ce1fbe1e54d60edb5445336f",
            name: "TensorFlow Sony checkpoint (fork copy in bulletcross/Learning-to-See-in-the-Dark, result_Sony)"),
    ]

    /// The published checkpoint with this git blob SHA-1 (lowercase or uppercase hex), if known.
    public static func recognise(gitBlobSHA1 hash: String) -> PublishedCheckpoint? {
        let normalised = hash.lowercased()
        return known.first { $0.gitBlobSHA1 == normalised }
    }
}

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
