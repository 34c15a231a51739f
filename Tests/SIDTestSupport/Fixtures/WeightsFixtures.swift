import Foundation
import SIDWeights
import XCTest

/// Paths to the committed weights and checkpoint fixtures and the shared assets, found from this file's location (no SwiftPM resources).
public enum WeightsFixtures {
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Weights")

    /// The file `scripts/fixtures/make_weights_fixtures.py` asserts is never created by reading its pickles.
    public static let forbiddenGlobalMarker = "/tmp/sid-weights-forbidden-global-marker"

    public static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// `../shared/sid-assets` (see `SharedAssets`).
    public static func sharedAssets(file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        try SharedAssets.url("sid-assets", file: file, line: line)
    }

    /// What the generator recorded for each tensor of a fixture: shape, first values, SHA-256 of all values.
    public struct ExpectedTensor: Decodable {
        public let shape: [Int]
        public let first: [Double]
        public let sha256: String
    }

    public static func expected(_ fixture: String) throws -> [String: ExpectedTensor] {
        let data = try Data(contentsOf: directory.appendingPathComponent("expected.json"))
        let all = try JSONDecoder().decode([String: [String: ExpectedTensor]].self, from: data)
        return try XCTUnwrap(all[fixture], "expected.json has no entry for \(fixture)")
    }

    /// SHA-256 of float32 values as contiguous little-endian bytes, as the generator hashes them.
    public static func sha256(of values: some Collection<Float>) -> String {
        SHA256.hex(of: Array(values).withUnsafeBytes { Data($0) })
    }

    /// Asserts that `tensors` are exactly the fixture's tensors, value for value.
    public static func assertMatchesExpected(
        _ tensors: [(name: String, shape: [Int], values: [Float])], fixture: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let expected = try expected(fixture)
        XCTAssertEqual(Set(tensors.map(\.name)), Set(expected.keys), "tensor names of \(fixture)", file: file, line: line)
        for tensor in tensors {
            guard let reference = expected[tensor.name] else { continue }
            XCTAssertEqual(tensor.shape, reference.shape, "shape of \(tensor.name)", file: file, line: line)
            XCTAssertEqual(Array(tensor.values.prefix(5)), reference.first.map { Float($0) },
                           "first values of \(tensor.name)", file: file, line: line)
            XCTAssertEqual(sha256(of: tensor.values), reference.sha256, "values of \(tensor.name)", file: file, line: line)
        }
    }
}
