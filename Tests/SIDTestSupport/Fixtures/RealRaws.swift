import Foundation
import SIDRaw
import XCTest

/// The real camera raws in `../shared/sid-assets/raws/real/` and the figures an independent LibRaw binding (rawpy)
/// computed for them (`scripts/fixtures/real_raw_reference.py` -> `Tests/SIDRawTests/Fixtures/real-raws.json`).
public enum RealRaws {
    public struct Reference: Decodable {
        public let libraw: String
        public let files: [String: Entry]
    }

    public struct Entry: Decodable {
        public let visible: [Int]
        public let white: Int
        public let black_per_channel: [Int]
        public let cfa: String?
        public let packed: [Int]?
        public let plane_black: [Int]?
        public let planes: [String: Planes]?
        public let mosaic: String?
    }

    public struct Planes: Decodable {
        public let sums: [Double]
        public let max: [Double]
    }

    public static let ratios: [Float] = [1, 100]

    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("SIDRawTests/Fixtures/real-raws.json")

    public static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixture))
    }

    public static let directory = "sid-assets/raws/real"

    /// The file's bytes through the shared-asset helper (skipped, or failed under SID_REQUIRE_SHARED=1, when absent).
    public static func data(_ name: String) throws -> Data {
        try Fixtures.sharedFile("\(directory)/\(name)")
    }

    /// The file's path, for commands and curl; through the shared-asset helper so absence is handled the same way.
    public static func path(_ name: String) throws -> String {
        try SharedAssets.url("\(directory)/\(name)").path
    }

    /// What MANIFEST.tsv documents as LibRaw 0.20.2 vs 0.22.2 differences of a file's raw values ("DIFFER: N of M
    /// raw values differ by 1..D DN"): (N, D), or (0, 0) for "identical".
    public static func documentedDifference(file: String) throws -> (count: Double, dn: Double) {
        let manifest = String(decoding: try Fixtures.sharedFile("\(directory)/MANIFEST.tsv"), as: UTF8.self)
        let rows = manifest.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        guard let header = rows.first, let column = header.firstIndex(of: "libraw_0.20.2_vs_0.22.2_raw_pixels"),
              let row = rows.first(where: { $0.first.map(String.init) == file }), row.count > column else {
            throw XCTSkip("MANIFEST.tsv does not describe \(file)")
        }
        let note = String(row[column])
        guard note.hasPrefix("DIFFER") else { return (0, 0) }
        let numbers = note.split(whereSeparator: { !$0.isNumber }).compactMap { Double($0) }
        guard numbers.count >= 4 else { throw XCTSkip("cannot read \(note)") }
        return (numbers[0], numbers[3])
    }

    /// Per-plane sums (in Float64 of the Float32 values, like the reference) and maxima of packed planes.
    public static func planeFigures(_ values: [Float], planes: Int) -> (sums: [Double], max: [Double]) {
        let size = values.count / planes
        var sums: [Double] = [], maxima: [Double] = []
        for plane in 0 ..< planes {
            let slice = values[plane * size ..< (plane + 1) * size]
            sums.append(slice.reduce(0) { $0 + Double($1) })
            maxima.append(Double(slice.max() ?? 0))
        }
        return (sums, maxima)
    }

    /// Checks packed planes at `ratio` against the reference, sums within `tolerance`, maxima within the documented
    /// difference too.
    public static func assertPlanes(_ values: [Float], name: String, entry: Entry, ratio: Float,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try XCTUnwrap(entry.planes?[String(Int(ratio))], file: file, line: line)
        let black = entry.plane_black?.min() ?? 0
        let actual = planeFigures(values, planes: 4)
        // Each differing value moves a normalised sample by at most D / (white - black) x ratio.
        let difference = try documentedDifference(file: name)
        let step = difference.dn / Double(entry.white - black) * Double(ratio)
        for plane in 0 ..< 4 {
            // Summation order of float32 values, plus the documented differences.
            let tolerance = difference.count * step + 1e-6 * abs(expected.sums[plane]) + 1e-3
            XCTAssertEqual(actual.sums[plane], expected.sums[plane], accuracy: tolerance,
                           "\(name) plane \(plane) sum at ratio \(ratio)", file: file, line: line)
            XCTAssertEqual(actual.max[plane], expected.max[plane], accuracy: step + 1e-6,
                           "\(name) plane \(plane) max at ratio \(ratio)", file: file, line: line)
        }
    }
}
