@testable import SIDService
import SIDImage
import XCTest

final class OutputNegotiationTests: XCTestCase {
    private func format(_ accept: String?, parameter: String? = nil) throws -> ImageFormat {
        try OutputNegotiation.format(parameter: parameter, accept: accept)
    }

    func testNoPreferenceIsPNG() throws {
        XCTAssertEqual(try format(nil), .png)
        XCTAssertEqual(try format(""), .png)
        XCTAssertEqual(try format("*/*"), .png)
        XCTAssertEqual(try format("image/*"), .png)
    }

    func testAcceptPicksTheBestFormatTheServiceWrites() throws {
        XCTAssertEqual(try format("image/jpeg"), .jpeg)
        XCTAssertEqual(try format("IMAGE/TIFF"), .tiff)
        XCTAssertEqual(try format("image/jpeg, */*"), .jpeg, "an exact range beats a wildcard of the same weight")
        XCTAssertEqual(try format("image/webp, image/tiff;q=0.5, image/png;q=0.4"), .tiff)
        XCTAssertEqual(try format("image/*, image/png;q=0"), .jpeg, "q=0 refuses PNG")
        XCTAssertEqual(try format("text/html, application/xhtml+xml, image/avif, image/webp, */*;q=0.8"), .png)
    }

    func testTheFormatParameterWinsOverAccept() throws {
        XCTAssertEqual(try format("image/png", parameter: "jpg"), .jpeg)
        XCTAssertEqual(try format(nil, parameter: " TIFF "), .tiff)
        XCTAssertThrowsError(try format(nil, parameter: "webp")) { error in
            guard case let .badRequest(text)? = error as? ServiceError else { return XCTFail("\(error)") }
            XCTAssertTrue(text.contains("format must be png, jpeg, tiff"), text)
        }
    }

    func testAnAcceptWithoutAnyWrittenFormatIs406() {
        for accept in ["application/json", "image/webp", "image/png;q=0, image/jpeg;q=0, image/tiff;q=0"] {
            XCTAssertThrowsError(try format(accept), accept) { error in
                guard case let .notAcceptable(text)? = error as? ServiceError else { return XCTFail("\(error)") }
                XCTAssertTrue(text.contains("image/png, image/jpeg, image/tiff"), text)
                XCTAssertEqual((error as? ServiceError)?.status.code, 406)
            }
        }
    }
}
