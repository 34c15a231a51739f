import SIDImage
import XCTest

/// Measures encode time and size at a few settings to justify PNGEncoder's defaults; logs only, asserts nothing
/// about timing. Runs only when SID_PNG_BENCHMARK=1 because it takes ~45 s on two cores.
final class PNGEncoderBenchmarkTests: XCTestCase {
    func testEncodeSpeedAndSizeAcrossSettings() throws {
        guard ProcessInfo.processInfo.environment["SID_PNG_BENCHMARK"] == "1" else {
            throw XCTSkip("set SID_PNG_BENCHMARK=1 to measure PNG encode settings")
        }
        let (width, height) = (2848, 4256)
        let image16 = Self.photoLikeImage(width: width, height: height)
        let image8 = image16.map { UInt8($0 >> 8) }
        /// Both depths through one encoder: "8-bit <s> s <MB> MB | 16-bit <s> s <MB> MB".
        func measure(_ encoder: PNGEncoder) throws -> String {
            var start = Date()
            let png8 = try image8.withUnsafeBufferPointer { try encoder.encode(rgb8: $0, width: width, height: height) }
            let seconds8 = Date().timeIntervalSince(start)
            start = Date()
            let png16 = try image16.withUnsafeBufferPointer { try encoder.encode(rgb16: $0, width: width, height: height) }
            let seconds16 = Date().timeIntervalSince(start)
            XCTAssertGreaterThan(png8.count, 0)
            return String(format: "8-bit %.2f s %5.1f MB | 16-bit %.2f s %5.1f MB", seconds8, Double(png8.count) / 1e6,
                          seconds16, Double(png16.count) / 1e6)
        }
        let settings: [(Int, PNGFilter)] = [1, 3, 6].flatMap { level in
            [PNGFilter.none, .sub, .paeth, .adaptive].map { (level, $0) }
        }
        for (level, filter) in settings {
            let figures = try measure(PNGEncoder(compressionLevel: level, filter: filter))
            print(String(format: "PNG level %d filter %-8@ ", level, "\(filter)" as NSString) + figures)
        }
        for threads in [1, 2] {
            print("PNG defaults, \(threads) thread(s): " + (try measure(PNGEncoder(threads: threads))))
        }
    }

    /// Smooth gradients + texture + sensor-like noise, which is what a denoised photo looks like to zlib.
    private static func photoLikeImage(width: Int, height: Int) -> [UInt16] {
        var samples = [UInt16](repeating: 0, count: width * height * 3)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        samples.withUnsafeMutableBufferPointer { buffer in
            for y in 0..<height {
                for x in 0..<width {
                    let base = (y * width + x) * 3
                    let fx = Double(x) / Double(width), fy = Double(y) / Double(height)
                    let shade = 0.5 + 0.35 * sin(fx * 7 + fy * 3) * cos(fy * 5)
                    for channel in 0..<3 {
                        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                        let noise = Double(Int64(bitPattern: state >> 40) % 512 - 256) / 65_536
                        let value = shade * (0.8 + 0.1 * Double(channel)) + noise
                        buffer[base + channel] = UInt16(max(0, min(65_535, value * 65_535)))
                    }
                }
            }
        }
        return samples
    }
}
