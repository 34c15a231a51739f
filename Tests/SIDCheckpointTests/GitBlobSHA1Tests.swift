import Foundation
import SIDCheckpoint
import SIDTestSupport
import XCTest

final class GitBlobSHA1Tests: XCTestCase {
    func testKnownBlobs() {
        XCTAssertEqual(GitBlobSHA1.hex(of: Data()), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")
        XCTAssertEqual(GitBlobSHA1.hex(of: Data("hello\n".utf8)), "ce013625030ba8dba906f756967f9e9ca394464a")
    }

    func testFixtureFileMatchesGitHashObject() throws {
        // `git hash-object Tests/SIDTestSupport/Fixtures/Weights/pickle_protocol4.pkl` printed this.
        let path = WeightsFixtures.path("pickle_protocol4.pkl")
        XCTAssertEqual(try GitBlobSHA1.hex(ofFileAt: path), "5851dd1e09f76d12559dbda3ef923c47274dc494")
        XCTAssertEqual(try GitBlobSHA1.hex(ofFileAt: path), GitBlobSHA1.hex(of: try Data(contentsOf: URL(fileURLWithPath: path))))
    }
}
