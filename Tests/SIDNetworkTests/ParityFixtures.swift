import Foundation
import SIDModel
import SIDNetwork
import XCTest

/// The PyTorch reference cases written by scripts/fixtures/make_parity_fixtures.py.
struct ParityCase: Decodable {
    let name: String
    let weights: String
    let in_channels: Int
    let scale: Int
    let width: Int
    let height: Int
    let width_px: Int

    var architecture: SIDArchitecture {
        SIDArchitecture(model: SIDModel(inputChannels: in_channels, outputChannels: 3 * scale * scale)!, width: width)
    }
    var outputCount: Int { 3 * scale * scale * height * width_px }

    var input: [Float] { get throws { try ParityFixtures.floats("\(name).input.f32") } }
    var expected: [Float] { get throws { try ParityFixtures.floats("\(name).output.f32") } }
}

enum ParityFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func cases() throws -> [ParityCase] {
        struct Manifest: Decodable { let cases: [ParityCase] }
        let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        return try JSONDecoder().decode(Manifest.self, from: data).cases
    }

    static func floats(_ file: String) throws -> [Float] {
        let data = try Data(contentsOf: directory.appendingPathComponent(file))
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// Runs the model on the case's input and returns the unclipped HWC output.
    static func run(_ model: UNet, _ testCase: ParityCase, threads: Int = 1, maxBandWidth: Int = 4096) throws -> [Float] {
        let runner = UNetRunner(model: model, threads: threads, maxBandWidth: maxBandWidth)
        let input = try testCase.input
        var output = [Float](repeating: .nan, count: testCase.outputCount)
        try input.withUnsafeBufferPointer { x in
            try output.withUnsafeMutableBufferPointer { y in
                try runner.run(input: x, height: testCase.height, width: testCase.width_px, output: .float(y.baseAddress!))
            }
        }
        return output
    }

    /// Max |a - b| must stay within `tolerance` (1e-4 unless told) of the reference's output range.
    static func assertClose(_ actual: [Float], _ expected: [Float], _ label: String, tolerance: Float = 1e-4,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, label, file: file, line: line)
        let range = (expected.max() ?? 0) - (expected.min() ?? 0)
        var worst: Float = 0
        for (a, b) in zip(actual, expected) {
            let d = abs(a - b)
            if !(d <= worst) { worst = d.isNaN ? .infinity : d }
        }
        XCTAssertLessThanOrEqual(worst, tolerance * range, "\(label): max abs error \(worst) over range \(range)", file: file, line: line)
    }
}
