import Foundation
import SIDCheckpoint
import SIDModel
@testable import SIDWeights
import SIDTestSupport
import XCTest

final class WeightsFileTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    override func tearDown() {
        directory = nil
    }

    func testRoundTripThroughTheWriter() throws {
        var random = SeededValues(seed: 11)
        let tensors = [
            NamedTensor(name: "conv1_1.weight", shape: [4, 2, 3, 3], values: random.values(72)),
            NamedTensor(name: "conv1_1.bias", shape: [4], values: random.values(4)),
            NamedTensor(name: "scalar", shape: [], values: [42]),
        ]
        let path = directory.path("w.safetensors")
        try SafeTensorsWriter.write(tensors, metadata: ["model": "sid-sony", "width": "2"], to: path)

        let file = try WeightsFile(path: path)
        XCTAssertEqual(file.metadata, ["model": "sid-sony", "width": "2"])
        XCTAssertEqual(file.names, ["conv1_1.bias", "conv1_1.weight", "scalar"])
        XCTAssertEqual(file.sha256, try SHA256.hex(ofFileAt: path))
        for tensor in tensors {
            let view = try XCTUnwrap(file.tensor(tensor.name))
            XCTAssertEqual(view.name, tensor.name)
            XCTAssertEqual(view.shape, tensor.shape)
            XCTAssertEqual(Array(view.values), tensor.values)
        }
        XCTAssertNil(file.tensor("conv2_1.weight"))
        XCTAssertEqual(file.shapes, ["conv1_1.weight": [4, 2, 3, 3], "conv1_1.bias": [4], "scalar": []])
        XCTAssertThrowsError(try file.architecture()) { XCTAssertTrue($0 is SIDArchitecture.Mismatch, "\($0)") }
    }

    func testTheArchitectureIsReadFromTheTensors() throws {
        let expected = SIDArchitecture(model: .fuji, width: 1)
        let tensors = expected.tensorShapes.map {
            NamedTensor(name: $0.name, shape: $0.shape, values: .init(repeating: 0.5, count: $0.shape.reduce(1, *)))
        }
        let path = directory.path("fuji.safetensors")
        try SafeTensorsWriter.write(tensors, metadata: [:], to: path)
        XCTAssertEqual(try WeightsFile(path: path).architecture(), expected)
    }

    func testMisalignedTensorDataIsCopiedToAlignedMemory() throws {
        // A 57-byte header puts the data area at byte 65, so float32 values are not 4-byte aligned in the file.
        let values: [Float] = [1.5, -2.25, 3.125]
        let path = try write(header: #"{"t":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}"#.padding(toLength: 57, withPad: " ", startingAt: 0),
                             data: values.withUnsafeBytes { Array($0) })
        let view = try XCTUnwrap(try WeightsFile(path: path).tensor("t"))
        XCTAssertEqual(Int(bitPattern: view.values.baseAddress) % MemoryLayout<Float>.alignment, 0)
        XCTAssertEqual(Array(view.values), values)
    }

    func testTrailingAlignmentPaddingIsTolerated() throws {
        let path = try write(header: #"{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0x80, 0x3F, 0, 0, 0, 0])
        XCTAssertEqual(try WeightsFile(path: path).tensor("t").map { Array($0.values) }, [1])
    }

    func testEmptyFile() throws {
        try assertInvalid(try write(raw: []), mentioning: "shorter than the 8-byte header length")
    }

    func testTruncatedFile() throws {
        let path = directory.path("w.safetensors")
        try SafeTensorsWriter.write([NamedTensor(name: "t", shape: [16], values: .init(repeating: 1, count: 16))], metadata: [:], to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try assertInvalid(try write(raw: [UInt8](bytes.dropLast(10))), mentioning: "truncated")
        try assertInvalid(try write(raw: [UInt8](bytes.prefix(20))), mentioning: "truncated")
    }

    func testPNGIsNamed() throws {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 7, count: 100)
        try assertInvalid(try write(raw: png), mentioning: "PNG image")
    }

    func testPyTorchCheckpointIsNamed() throws {
        try assertInvalid(WeightsFixtures.path("sony_w1_wrapped.pth"), mentioning: "convert it with `sid convert`")
        try assertInvalid(WeightsFixtures.path("sony_w2_legacy.pth"), mentioning: "pickle")
    }

    func testRandomBytes() throws {
        var random = SeededValues(seed: 5)
        try assertInvalid(try write(raw: random.values(256).withUnsafeBytes { Array($0) }), mentioning: "header length")
    }

    func testHeaderThatIsNotJSON() throws {
        try assertInvalid(try write(header: "not json at all!", data: []), mentioning: "not a JSON object")
    }

    func testShapeThatDisagreesWithOffsets() throws {
        let path = try write(header: #"{"t":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}"#, data: [UInt8](repeating: 0, count: 12))
        try assertInvalid(path, mentioning: "needs 16 bytes but its data_offsets span 12")
    }

    func testOffsetsBeyondTheData() throws {
        let path = try write(header: #"{"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: [UInt8](repeating: 0, count: 8))
        try assertInvalid(path, mentioning: "truncated")
    }

    func testOverlappingTensors() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        try assertInvalid(try write(header: header, data: [UInt8](repeating: 0, count: 12)), mentioning: "overlap")
    }

    func testTrailingGarbage() throws {
        let path = try write(header: #"{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [UInt8](repeating: 0, count: 200))
        try assertInvalid(path, mentioning: "bytes follow the last tensor")
    }

    func testUnusedGapBetweenTensors() throws {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[200,204]}}"#
        try assertInvalid(try write(header: header, data: [UInt8](repeating: 0, count: 204)), mentioning: "unused bytes before tensor b")
    }

    func testOtherDTypesAreRefused() throws {
        let path = try write(header: #"{"t":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])
        try assertInvalid(path, mentioning: "dtype F16")
    }

    func testMetadataMustBeStrings() throws {
        let path = try write(header: #"{"__metadata__":{"width":32}}"#, data: [])
        try assertInvalid(path, mentioning: "metadata value width is not a string")
    }

    func testImplausibleHeaderLength() throws {
        var bytes = withUnsafeBytes(of: UInt64(200_000_000).littleEndian) { Array($0) }
        bytes += [UInt8](repeating: 0x20, count: 64)
        try assertInvalid(try write(raw: bytes), mentioning: "implausible")
    }

    // MARK: - Helpers

    private func write(raw bytes: [UInt8]) throws -> String {
        let path = directory.path("\(UUID().uuidString).safetensors")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func write(header: String, data: [UInt8]) throws -> String {
        let headerBytes = Array(header.utf8)
        return try write(raw: withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { Array($0) } + headerBytes + data)
    }

    private func assertInvalid(_ path: String, mentioning phrase: String, line: UInt = #line) throws {
        XCTAssertThrowsError(try WeightsFile(path: path), line: line) { error in
            guard case WeightsError.invalidSafeTensors(let reportedPath, let reason)? = error as? WeightsError else {
                return XCTFail("unexpected error \(error)", line: line)
            }
            XCTAssertEqual(reportedPath, path, line: line)
            XCTAssertTrue(reason.contains(phrase), "\"\(reason)\" does not mention \"\(phrase)\"", line: line)
        }
    }
}
