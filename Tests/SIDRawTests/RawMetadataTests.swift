import Foundation
@testable import SIDRaw
import XCTest

final class RawMetadataTests: XCTestCase {
    func testJSONUsesSnakeCaseKeysAndRoundTrips() throws {
        let metadata = RawMetadata(
            make: "Sony", model: "ILCE-7SM2", width: 4256, height: 2848, rawWidth: 4288, rawHeight: 2848, cfa: "RGGB",
            blackLevels: [512, 512, 512, 512], whiteLevel: 16383, exposureTime: 0.1, iso: 3200, flip: 6,
            packedWidth: 2128, packedHeight: 1424)
        let json = try JSONEncoder().encode(metadata)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
        XCTAssertEqual(Set(object.keys), [
            "make", "model", "width", "height", "raw_width", "raw_height", "cfa", "black_levels", "white_level",
            "exposure_time", "iso", "flip", "packed_width", "packed_height", "aperture", "focal_length", "timestamp", "lens",
        ])
        XCTAssertEqual(object["raw_width"] as? Int, 4288)
        XCTAssertEqual(try JSONDecoder().decode(RawMetadata.self, from: json), metadata)
    }
}
