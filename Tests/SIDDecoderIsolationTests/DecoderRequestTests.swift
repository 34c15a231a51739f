@testable import SIDDecoderIsolation
import XCTest

final class DecoderRequestTests: XCTestCase {
    func testHeadersRoundTrip() throws {
        for kind in [DecoderRequest.Kind.decode, .baseline(ratio: .fixed(250.5)), .baseline(ratio: .auto)] {
            let request = DecoderRequest(kind: kind, maxPixels: 100_000_000, memoryLimitBytes: 3 << 30, cpuSeconds: 121,
                                         inputByteCount: 24_242_720)
            XCTAssertEqual(request.header.count, DecoderRequest.headerSize)
            XCTAssertEqual(try DecoderRequest(header: request.header), request)
        }
    }

    func testMalformedHeadersAreRefused() throws {
        let good = DecoderRequest(kind: .decode, maxPixels: 10, memoryLimitBytes: 0, cpuSeconds: 0, inputByteCount: 5).header
        XCTAssertThrowsError(try DecoderRequest(header: Array(good.dropLast())))
        var magic = good
        magic[0] = 0
        XCTAssertThrowsError(try DecoderRequest(header: magic)) { XCTAssertEqual($0 as? DecoderWireError, .wrongMagic) }
        var kind = good
        kind[DecoderRequest.magic.count] = 7
        XCTAssertThrowsError(try DecoderRequest(header: kind))
        var huge = DecoderRequest(kind: .decode, maxPixels: 10, memoryLimitBytes: 0, cpuSeconds: 0,
                                  inputByteCount: DecoderRequest.maxInputBytes).header
        XCTAssertNoThrow(try DecoderRequest(header: huge))
        huge = DecoderRequest(kind: .decode, maxPixels: 10, memoryLimitBytes: 0, cpuSeconds: 0,
                              inputByteCount: DecoderRequest.maxInputBytes + 1).header
        XCTAssertThrowsError(try DecoderRequest(header: huge))
    }
}
