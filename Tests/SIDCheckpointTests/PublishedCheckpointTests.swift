import SIDCheckpoint
import SIDTestSupport
import XCTest

final class PublishedCheckpointTests: XCTestCase {
    func testRecognisesThePublishedCheckpoints() {
        XCTAssertEqual(
            PublishedCheckpoint.recognise(gitBlobSHA1: "b6a3497865b4c69587decbf9f8a9c1334fe34f25")?.name,
            "SID authors' TensorFlow Sony model (checkpoint/Sony/model.ckpt.data-00000-of-00001)")
        XCTAssertEqual(
            PublishedCheckpoint.recognise(gitBlobSHA1: "90A44E1BD9E38EC2F4F7160DB1CB4C8D97A4E768")?.name,
            "PyTorch port checkpoint_sony_e4000.pth (lavi135246)")
        XCTAssertEqual(
            PublishedCheckpoint.recognise(gitBlobSHA1: "df621004606500815deee0689cceb3512033f36b")?.name,
            "SID authors' TensorFlow Fuji model (checkpoint/Fuji/model.ckpt.data-00000-of-00001)")
        XCTAssertEqual(PublishedCheckpoint.known.count, 6)
        XCTAssertEqual(Set(PublishedCheckpoint.known.map(\.gitBlobSHA1)).count, 6)
    }

    func testUnknownFilesAreNotRecognised() throws {
        // A real file's blob hash (from `git hash-object`) that is not a published checkpoint.
        let hash = try GitBlobSHA1.hex(ofFileAt: WeightsFixtures.path("pickle_protocol4.pkl"))
        XCTAssertNil(PublishedCheckpoint.recognise(gitBlobSHA1: hash))
    }

    func testTableAgreesWithTheSharedListOfUnobtainableBlobs() throws {
        let list = try String(contentsOf: try WeightsFixtures.sharedAssets().appendingPathComponent("UNOBTAINABLE_BLOBS.tsv"), encoding: .utf8)
        let listed = Set(list.split(separator: "\n").map { String($0.prefix { $0 != "\t" }) })
        for checkpoint in PublishedCheckpoint.known {
            XCTAssertTrue(listed.contains(checkpoint.gitBlobSHA1), checkpoint.name)
        }
    }
}
