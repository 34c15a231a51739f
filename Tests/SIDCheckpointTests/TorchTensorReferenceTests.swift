@testable import SIDCheckpoint
import XCTest

final class TorchTensorReferenceTests: XCTestCase {
    func testHalfWidening() {
        XCTAssertEqual(TorchTensorReference.widenHalf(0x3C00), 1)
        XCTAssertEqual(TorchTensorReference.widenHalf(0xC000), -2)
        XCTAssertEqual(TorchTensorReference.widenHalf(0x7BFF), 65504)
        XCTAssertEqual(TorchTensorReference.widenHalf(0x0001), Float(sign: .plus, exponent: -24, significand: 1))
        XCTAssertEqual(TorchTensorReference.widenHalf(0x03FF), Float(1023) * Float(sign: .plus, exponent: -24, significand: 1))
        XCTAssertEqual(TorchTensorReference.widenHalf(0x7C00), .infinity)
        XCTAssertEqual(TorchTensorReference.widenHalf(0xFC00), -.infinity)
        XCTAssertTrue(TorchTensorReference.widenHalf(0x7E00).isNaN)
        XCTAssertEqual(TorchTensorReference.widenHalf(0x8000).sign, .minus)
    }

    func testStridedGatherAndBoundsChecks() throws {
        let storage: [Float] = (0 ..< 12).map(Float.init)
        try storage.withUnsafeBytes { bytes in
            // A transposed [3, 2] view of a [2, 3] storage starting at element 6.
            let transposed = try reference(count: 12, offset: 6, shape: [3, 2], strides: [1, 3])
            XCTAssertEqual(try transposed.floats(from: bytes, name: "t"), [6, 9, 7, 10, 8, 11])
            let beyond = try reference(count: 12, offset: 7, shape: [3, 2], strides: [1, 3])
            XCTAssertThrowsError(try beyond.floats(from: bytes, name: "t"))
            let broadcast = try reference(count: 12, offset: 0, shape: [1 << 20, 1 << 20], strides: [0, 0])
            XCTAssertThrowsError(try broadcast.floats(from: bytes, name: "t"))
        }
    }

    /// Found while fuzzing the unpickler (inputs in Fuzz/unpickler/corpus/regression-*-overflow.pkl): strides, offsets
    /// and element counts from a hostile pickle overflowed Int while being checked, which trapped instead of refusing.
    func testLayoutsThatOverflowAreRefused() throws {
        let storage: [Float] = (0 ..< 12).map(Float.init)
        try storage.withUnsafeBytes { bytes in
            let hugeStride = try reference(count: 12, offset: 0, shape: [3], strides: [1 << 62])
            XCTAssertThrowsError(try hugeStride.floats(from: bytes, name: "t"))
            let hugeOffset = try reference(count: 12, offset: Int.max, shape: [2], strides: [1])
            XCTAssertThrowsError(try hugeOffset.floats(from: bytes, name: "t"))
            let hugeStorage = try reference(count: 1 << 62, offset: 0, shape: [1], strides: [1])
            XCTAssertThrowsError(try hugeStorage.floats(from: bytes, name: "t"))
            let hugeViewOffset = try reference(count: 12, offset: Int.max, shape: [0], strides: [1], elementOffset: 4)
            XCTAssertEqual(try hugeViewOffset.floats(from: bytes, name: "t"), [])
        }
    }

    /// Found while fuzzing: an axis of size 1 may carry any stride, and stepping along it overflowed while gathering.
    func testAnyStrideOnAnAxisOfSizeOne() throws {
        let storage: [Float] = (0 ..< 12).map(Float.init)
        try storage.withUnsafeBytes { bytes in
            let tensor = try reference(count: 12, offset: 5, shape: [1, 2], strides: [Int.max, 2])
            XCTAssertEqual(try tensor.floats(from: bytes, name: "t"), [5, 7])
        }
    }

    private func reference(count: Int, offset: Int, shape: [Int], strides: [Int],
                           elementOffset: Int = 0) throws -> TorchTensorReference {
        let storage = TorchStorageReference(key: "0", dtype: .float32, elementOffset: elementOffset, elementCount: count)
        return try TorchTensorReference(rebuildArguments: [
            .storage(storage), .int(offset), .tuple(shape.map { .int($0) }), .tuple(strides.map { .int($0) }),
        ])
    }
}
