@testable import SIDService
import XCTest

final class UploadKindTests: XCTestCase {
    func testRawsAndUnknownTypesGoToLibRaw() {
        for type in [nil, "", "application/octet-stream", "image/x-sony-arw", "image/x-adobe-dng; foo=bar",
                     "application/x-www-form-urlencoded", "image/tiff"] as [String?] {
            XCTAssertEqual(UploadKind(contentType: type), .raw, "\(type ?? "nil")")
        }
    }

    func testMultipartFormData() {
        XCTAssertEqual(UploadKind(contentType: "Multipart/Form-Data; boundary=abc"), .multipart)
    }

    func testClearlyNotRawTypes() {
        for type in ["text/plain", "text/html; charset=utf-8", "application/json", "application/problem+json",
                     "image/png", "IMAGE/JPEG", "image/webp", "video/mp4", "multipart/mixed; boundary=x"] {
            guard case .notRaw = UploadKind(contentType: type) else { return XCTFail(type) }
        }
    }
}
