import Foundation
@testable import SIDCheckpoint
import SIDWeights
import SIDTestSupport
import XCTest

final class SafeTensorsWriterTests: XCTestCase {
    private let tensors = [
        NamedTensor(name: "zeta.weight", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
        NamedTensor(name: "alpha.bias", shape: [3], values: [-1, 0.5, 1e-7]),
        NamedTensor(name: "empty", shape: [0, 4], values: []),
    ]

    func testHeaderIsPaddedToEightBytesAndTensorsAreInNameOrder() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("out.safetensors")
        try SafeTensorsWriter.write(tensors, metadata: ["format": "sid-weights", "quote": "a \"b\"\n"], to: path)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let headerLength = Int(bytes[0 ..< 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        XCTAssertEqual(headerLength % 8, 0)
        XCTAssertEqual(bytes.count, 8 + headerLength + 9 * 4)

        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8 ..< 8 + headerLength])) as? [String: Any])
        XCTAssertEqual(header["__metadata__"] as? [String: String], ["format": "sid-weights", "quote": "a \"b\"\n"])
        func offsets(_ name: String) -> [Int]? { (header[name] as? [String: Any])?["data_offsets"] as? [Int] }
        XCTAssertEqual(offsets("alpha.bias"), [0, 12])
        XCTAssertEqual(offsets("empty"), [12, 12])
        XCTAssertEqual(offsets("zeta.weight"), [12, 36])
        let firstValue = bytes[(8 + headerLength) ..< (12 + headerLength)].withUnsafeBytes { $0.loadUnaligned(as: Float.self) }
        XCTAssertEqual(firstValue, -1)
    }

    func testHeaderBytesAreDeterministic() {
        let once = SafeTensorsWriter.headerBytes(for: tensors, metadata: ["b": "2", "a": "1"])
        let again = SafeTensorsWriter.headerBytes(for: tensors, metadata: ["a": "1", "b": "2"])
        XCTAssertEqual(once, again)
        XCTAssertTrue(String(decoding: once, as: UTF8.self).hasPrefix(#"{"__metadata__":{"a":"1","b":"2"},"zeta.weight""#))
    }

    func testWriteReplacesAtomicallyAndLeavesNoTemporaryFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("out.safetensors")
        try Data("old contents".utf8).write(to: URL(fileURLWithPath: path))
        try SafeTensorsWriter.write(tensors, metadata: [:], to: path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.url.path), ["out.safetensors"])
        XCTAssertEqual(try WeightsFile(path: path).names, ["alpha.bias", "empty", "zeta.weight"])
    }

    func testInconsistentTensorsAreRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("out.safetensors")
        XCTAssertThrowsError(try SafeTensorsWriter.write(
            [NamedTensor(name: "a", shape: [2, 2], values: [1, 2, 3])], metadata: [:], to: path)) { error in
            XCTAssertEqual(error as? CheckpointError, .invalidTensor(name: "a", reason: "shape [2, 2] does not hold 3 values"))
        }
        XCTAssertThrowsError(try SafeTensorsWriter.write(
            [NamedTensor(name: "a", shape: [1], values: [1]), NamedTensor(name: "a", shape: [1], values: [2])],
            metadata: [:], to: path))
        XCTAssertThrowsError(try SafeTensorsWriter.write(
            [NamedTensor(name: "__metadata__", shape: [1], values: [1])], metadata: [:], to: path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testUnwritableDirectoryIsAnError() {
        XCTAssertThrowsError(try SafeTensorsWriter.write(tensors, metadata: [:], to: "/nonexistent/sid/out.safetensors")) { error in
            guard case CheckpointError.writeFailed? = error as? CheckpointError else { return XCTFail("\(error)") }
        }
    }
}
