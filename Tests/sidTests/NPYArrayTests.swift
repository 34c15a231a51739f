import Foundation
@testable import sid
import XCTest

final class NPYArrayTests: XCTestCase {
    func testEncodingIsNumPysV1LayoutAndParsesBack() throws {
        let array = NPYArray(shape: [1, 2, 3, 4], values: (0..<24).map { Float($0) * 0.5 - 3 })
        let data = array.encoded()
        XCTAssertEqual(Array(data.prefix(8)), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        let header = String(decoding: data[10 ..< 10 + headerLength], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3, 4), }"), header)
        XCTAssertTrue(header.hasSuffix(" \n"), header)
        XCTAssertEqual(data.count, 10 + headerLength + 24 * 4)
        XCTAssertEqual(try NPYArray(parsing: data), array)
    }

    func testOneDimensionalShapesKeepPythonsTrailingComma() throws {
        let array = NPYArray(shape: [3], values: [1, 2, 3])
        XCTAssertTrue(String(decoding: array.encoded(), as: UTF8.self).contains("'shape': (3,)"))
        XCTAssertEqual(try NPYArray(parsing: array.encoded()), array)
    }

    func testVersion2HeadersAndOtherKeyOrdersParse() throws {
        let header = Array("{\"shape\": (2, 1), \"fortran_order\": False, \"descr\": \"<f4\"}\n".utf8)
        var data = Data([0x93] + Array("NUMPY".utf8) + [2, 0])
        data.append(contentsOf: [UInt8(header.count), 0, 0, 0] + header)
        [Float(1.5), -2].withUnsafeBytes { data.append(contentsOf: $0) }
        XCTAssertEqual(try NPYArray(parsing: data), NPYArray(shape: [2, 1], values: [1.5, -2]))
    }

    func testWhatSidCannotReadIsNamed() {
        func npy(_ header: String, payload: Int) -> Data {
            let bytes = Array(header.utf8)
            return Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(bytes.count), 0] + bytes + Array(repeating: 0, count: payload))
        }
        let cases: [(Data, NPYError)] = [
            (Data("PK\u{3}\u{4}not numpy".utf8), .notNPY),
            (npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n", payload: 16),
             .unsupportedType("the array's dtype is '<f8'")),
            (npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", payload: 16),
             .unsupportedType("the array is in Fortran order")),
            (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", payload: 20),
             .truncated("shape [2, 3] needs 24 bytes of data but 20 follow the header")),
            (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n", payload: 8),
             .badHeader("4 bytes follow the 1 values of shape [1]")),
            (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000, 4000000000), }\n", payload: 8),
             .truncated("shape [4000000000, 4000000000] needs more values than the file holds")),
            (npy("{'descr': '<f4', 'fortran_order': False}\n", payload: 0), .badHeader("'shape' is missing or not a tuple of sizes")),
            (npy("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,)}\n", payload: 4), .badHeader("unexpected 'Maybe' at character 34")),
            (npy("{'descr': '<f4', 'shape': (x,)", payload: 0), .badHeader("'x' in the shape is not a size")),
            (npy("{'descr': '<f4", payload: 0), .badHeader("a string is not closed")),
            (Data([0x93] + Array("NUMPY".utf8) + [1, 0, 200, 0] + Array("{}".utf8)),
             .truncated("the header claims 200 bytes but 2 follow")),
        ]
        for (data, expected) in cases {
            XCTAssertThrowsError(try NPYArray(parsing: data)) { error in
                XCTAssertEqual(error as? NPYError, expected)
                XCTAssertFalse("\(error)".isEmpty)
            }
        }
    }
}
