import Foundation
import SIDWeights
import SIDTestSupport
import XCTest

final class SHA256Tests: XCTestCase {
    func testKnownVectors() {
        XCTAssertEqual(SHA256.hex(of: Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testStreamingAFileLargerThanOneChunkMatchesHashingItInMemory() throws {
        let directory = try TemporaryDirectory()
        var random = SeededValues(seed: 3)
        let data = Data(random.values(700_000).withUnsafeBytes { Array($0) })
        let path = directory.path("big.bin")
        try data.write(to: URL(fileURLWithPath: path))
        XCTAssertGreaterThan(data.count, 1 << 20)
        XCTAssertEqual(try SHA256.hex(ofFileAt: path), SHA256.hex(of: data))
    }

    func testMissingFileIsAnError() {
        XCTAssertThrowsError(try SHA256.hex(ofFileAt: "/nonexistent/sid/file")) { error in
            guard case WeightsError.unreadableFile? = error as? WeightsError else { return XCTFail("\(error)") }
        }
    }
}
