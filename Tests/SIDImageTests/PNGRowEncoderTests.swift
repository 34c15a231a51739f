import SIDImage
import XCTest

/// The overlapped path: rows handed over as they become final, stripes deflated in the background, must give the
/// plain encoder's file byte for byte, and stopping half way must neither hang nor touch the samples afterwards.
final class PNGRowEncoderTests: XCTestCase {
    private let metadata = [("Software", "sid"), ("sid:ratio", "100"), ("sid:model", "sid-sony")]
    private let exif: [UInt8] = Array("II*\u{0}\u{8}\u{0}\u{0}\u{0}\u{0}\u{0}".utf8)

    /// The buffer starts zeroed and each row is written just before it is reported final, as the network does:
    /// a stripe deflated before its rows were final would differ from the plain encoder's.
    func testRowsReportedAsTheyAreWrittenGiveThePlainEncodersBytes() throws {
        let (width, height) = (41, 700)
        let final8 = (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: ($0 * 7919) >> 3) }
        let final16 = (0..<(width * height * 3)).map { UInt16(truncatingIfNeeded: $0 &* 40_503) }
        // Steps like the network's (8 output rows), odd steps, and everything at once at the end.
        for (step, threads) in [(8, 2), (13, 1), (height, 3)] {
            for filter in [PNGFilter.sub, .adaptive] {
                let encoder = PNGEncoder(compressionLevel: 1, filter: filter, threads: threads)
                XCTAssertEqual(try streamed(final8, width, height, step: step, encoder: encoder),
                               try final8.withUnsafeBufferPointer {
                                   try PNGEncoder(compressionLevel: 1, filter: filter, threads: 1)
                                       .encode(rgb8: $0, width: width, height: height, text: metadata, exif: exif)
                               }, "8-bit, step \(step), \(filter)")
                XCTAssertEqual(try streamed(final16, width, height, step: step, encoder: encoder),
                               try final16.withUnsafeBufferPointer {
                                   try PNGEncoder(compressionLevel: 1, filter: filter, threads: 1)
                                       .encode(rgb16: $0, width: width, height: height, text: metadata, exif: exif)
                               }, "16-bit, step \(step), \(filter)")
            }
        }
    }

    /// Cancelled half way (as when the client leaves mid-forward), the encoder returns at once, refuses to finish,
    /// and leaves the samples alone: they are freed right after and nothing may read them any more.
    func testCancelHalfWayReturnsAndRefusesToFinish() throws {
        let (width, height) = (64, 1024)
        let samples = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: width * height * 3)
        samples.initialize(repeating: 7)
        let rows = try PNGEncoder().rowEncoder(rgb8: UnsafeBufferPointer(samples), width: width, height: height)
        rows.rowsFinished(height / 2)
        rows.cancel()
        samples.deallocate()
        XCTAssertThrowsError(try rows.finish())
    }

    func testRefusesASampleCountThatIsNotTheImage() {
        let samples = [UInt8](repeating: 0, count: 10)
        XCTAssertThrowsError(try samples.withUnsafeBufferPointer { try PNGEncoder().rowEncoder(rgb8: $0, width: 2, height: 2) })
    }

    private func streamed(_ final: [UInt8], _ width: Int, _ height: Int, step: Int, encoder: PNGEncoder) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: final.count)
        return try buffer.withUnsafeMutableBufferPointer { buffer in
            let rows = try encoder.rowEncoder(rgb8: UnsafeBufferPointer(buffer), width: width, height: height)
            return try drive(rows, buffer, final, width, height, step)
        }
    }

    private func streamed(_ final: [UInt16], _ width: Int, _ height: Int, step: Int, encoder: PNGEncoder) throws -> [UInt8] {
        var buffer = [UInt16](repeating: 0, count: final.count)
        return try buffer.withUnsafeMutableBufferPointer { buffer in
            let rows = try encoder.rowEncoder(rgb16: UnsafeBufferPointer(buffer), width: width, height: height)
            return try drive(rows, buffer, final, width, height, step)
        }
    }

    private func drive<Sample>(_ rows: PNGRowEncoder, _ buffer: UnsafeMutableBufferPointer<Sample>, _ final: [Sample],
                               _ width: Int, _ height: Int, _ step: Int) throws -> [UInt8] {
        var done = 0
        while done < height {
            let next = min(done + step, height)
            for index in (done * width * 3) ..< (next * width * 3) { buffer[index] = final[index] }
            rows.rowsFinished(next)
            done = next
            // Gives the background lane a chance to run between rows, as the network's compute does.
            if step < height { usleep(200) }
        }
        return try rows.finish(text: metadata, exif: exif)
    }
}
