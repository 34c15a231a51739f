import SIDImage
import XCTest

final class ImageFormatTests: XCTestCase {
    func testNamesMediaTypesAndExtensions() {
        XCTAssertEqual(ImageFormat(name: "JPG"), .jpeg)
        XCTAssertEqual(ImageFormat(name: "image/tiff"), .tiff)
        XCTAssertEqual(ImageFormat(name: "tif"), .tiff)
        XCTAssertNil(ImageFormat(name: "webp"))
        XCTAssertEqual(ImageFormat(fileName: "out/photo.JPEG"), .jpeg)
        XCTAssertEqual(ImageFormat(fileName: "a.b/photo.png"), .png)
        XCTAssertNil(ImageFormat(fileName: "a.tiff/photo"))
        XCTAssertNil(ImageFormat(fileName: "photo."))
        XCTAssertEqual(ImageFormat.allCases.map(\.mediaType), ["image/png", "image/jpeg", "image/tiff"])
        XCTAssertEqual(ImageFormat.jpeg.bitDepths, [8])
        XCTAssertEqual(ImageFormat.tiff.bitDepths.first, 16)
    }
}
