import Foundation
@testable import SIDCheckpoint
import SIDTestSupport
import XCTest

final class RestrictedUnpicklerTests: XCTestCase {
    /// The generator pickles the same structure with every protocol, exercising text, binary and framed opcodes.
    func testReadsEveryProtocol() throws {
        for protocolVersion in 0 ... 5 {
            let value = try load(try Data(contentsOf: WeightsFixtures.directory.appendingPathComponent("pickle_protocol\(protocolVersion).pkl")))
            let dict = try XCTUnwrap(value.dict, "protocol \(protocolVersion)")
            let context = "protocol \(protocolVersion)"

            XCTAssertEqual(ints(dict["ints"]), [0, 1, -1, 255, 256, 65535, 65536, -(1 << 31), (1 << 31) - 1, 1 << 31, 1 << 62, Int.min], context)
            XCTAssertEqual(floats(dict["floats"]), [0.0, -1.5, 3.141592653589793, 1e300], context)
            XCTAssertEqual(dict["text"]?.string, "h\u{e9}llo \u{2603}", context)
            guard case .none? = dict["none"] else { return XCTFail(context) }
            guard case .tuple(let bools)? = dict["bools"], case .bool(true) = bools[0], case .bool(false) = bools[1] else {
                return XCTFail("bools, \(context)")
            }
            XCTAssertEqual(dict["tuples"]?.tuple?.map { $0.tuple?.compactMap(\.int) ?? [-1] }, [[], [1], [1, 2], [1, 2, 3], [1, 2, 3, 4]], context)
            guard case .list(let outer)? = dict["nested"]?.dict?["a"], case .list(let inner) = outer.items[0] else {
                return XCTFail("nested, \(context)")
            }
            XCTAssertTrue(inner.items.isEmpty, context)
            XCTAssertEqual(dict["nested"]?.dict?["b"]?.dict?.entries.count, 0, context)
            // The second occurrence is a memo reference to a list filled after it was memoised.
            XCTAssertEqual(ints(dict["shared_1"]), [1, 2], context)
            XCTAssertEqual(ints(dict["shared_2"]), [1, 2], context)
            XCTAssertEqual(dict["ordered"]?.dict?.stringKeys, ["x", "y"], context)
            XCTAssertEqual(dict["ordered"]?.dict?["y"]?.int, 2, context)
            if protocolVersion >= 2 {
                // 2**70 as little-endian two's complement.
                guard case .bigInt(let bytes)? = dict["big"] else { return XCTFail("big, \(context)") }
                XCTAssertEqual(bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0x40], context)
            }
            if protocolVersion >= 3 {
                guard case .bytes(let bytes)? = dict["bytes"] else { return XCTFail("bytes, \(context)") }
                XCTAssertEqual(bytes, [0, 1, 255], context)
            }
        }
    }

    func testGlobalOutsideTheAllowListIsRefused() {
        // GLOBAL 'os system', then arguments and REDUCE: what a malicious checkpoint contains.
        let pickle = Data([0x80, 0x02] + Array("cos\nsystem\n".utf8) + [0x58, 2, 0, 0, 0] + Array("ls".utf8) + [0x85, 0x52, 0x2E])
        XCTAssertThrowsError(try load(pickle)) { error in
            XCTAssertEqual(error as? CheckpointError, .forbiddenGlobal("os.system"))
        }
    }

    func testStackGlobalOutsideTheAllowListIsRefused() {
        var pickle: [UInt8] = [0x80, 0x04]
        for text in ["builtins", "eval"] { pickle += [0x8C, UInt8(text.utf8.count)] + Array(text.utf8) }
        pickle += [0x93, 0x2E]
        XCTAssertThrowsError(try load(Data(pickle))) { error in
            XCTAssertEqual(error as? CheckpointError, .forbiddenGlobal("builtins.eval"))
        }
    }

    func testInstOutsideTheAllowListIsRefused() {
        XCTAssertThrowsError(try load(Data("(isubprocess\nPopen\n.".utf8))) { error in
            XCTAssertEqual(error as? CheckpointError, .forbiddenGlobal("subprocess.Popen"))
        }
    }

    func testNothingAfterAForbiddenGlobalIsRead() {
        // The persistent id after the global would reach the loader if reading went on; so would the bad opcode.
        var loaderCalls = 0
        let pickle = Data([0x80, 0x02] + Array("cposix\nsystem\n".utf8) + [0x4E, 0x51, 0xFF])
        XCTAssertThrowsError(try load(pickle) { _ in loaderCalls += 1; return .none }) { error in
            XCTAssertEqual(error as? CheckpointError, .forbiddenGlobal("posix.system"))
        }
        XCTAssertEqual(loaderCalls, 0)
    }

    func testStorageClassesAreAllowedOnlyAsTags() {
        XCTAssertThrowsError(try load(Data("ctorch\nFloatStorage\n)R.".utf8))) { error in
            guard case CheckpointError.malformedPickle(let reason)? = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("called like a function"), reason)
        }
        XCTAssertThrowsError(try load(Data("ctorch\nTensor\n.".utf8))) { error in
            XCTAssertEqual(error as? CheckpointError, .forbiddenGlobal("torch.Tensor"))
        }
    }

    func testMalformedPickles() {
        let cases: [(bytes: [UInt8], expected: String)] = [
            ([0x80, 0x02, 0x4B, 0x01], "truncated"), // no STOP
            ([0x80, 0x02, 0xFF], "unknown opcode 0xff"),
            ([0x80, 0x02, 0x82, 0x01, 0x2E], "extension-registry"),
            ([0x80, 0x02, 0x4B, 0x01, 0x4B, 0x02, 0x61, 0x2E], "APPEND to a non-list"),
            ([0x80, 0x02, 0x68, 0x05, 0x2E], "never stored"),
            ([0x80, 0x02, 0x74, 0x2E], "needs a MARK"),
            ([0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x2E], "truncated"),
            ([0x2E], "STOP with an empty stack"),
        ]
        for (bytes, expected) in cases {
            XCTAssertThrowsError(try load(Data(bytes))) { error in
                XCTAssertTrue((error as? CheckpointError)?.description.contains(expected) == true, "\(bytes): \(error)")
            }
        }
    }

    /// Found by fuzzing (Fuzz/unpickler): a list appended to itself through the memo was a reference cycle, leaked.
    func testAListPutInsideItselfIsRefused() {
        // EMPTY_LIST, BINPUT 0, BINGET 0, APPEND, STOP.
        assertMalformed([0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E], reason: "a list is put inside itself")
        // EMPTY_DICT, BINPUT 0, a key, BINGET 0, SETITEM, STOP.
        assertMalformed([0x80, 0x02, 0x7D, 0x71, 0x00, 0x4B, 0x01, 0x68, 0x00, 0x73, 0x2E], reason: "a dict is put inside itself")
    }

    /// Found by fuzzing: two lists appended to each other were a cycle too; a list may not change once nested.
    func testAListChangedAfterBeingNestedIsRefused() {
        // L0 = [], L1 = [], L1.append(L0), then L0.append(L1).
        let pickle: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0x00, 0x5D, 0x71, 0x01, 0x68, 0x00, 0x61, 0x30,
                               0x68, 0x00, 0x68, 0x01, 0x61, 0x2E]
        assertMalformed(pickle, reason: "APPEND to a list already inside another value")
    }

    /// Found while fuzzing (Fuzz/unpickler/corpus/regression-deep-tuples.pkl): releasing 100,000 nested tuples
    /// recursed once per level and overflowed the stack.
    func testNestingIsBoundedInsteadOfOverflowingTheStack() throws {
        func nestedTuples(_ depth: Int) -> [UInt8] { [0x80, 0x02, 0x4E] + Array(repeating: 0x85, count: depth) + [0x2E] }
        var value = try load(Data(nestedTuples(RestrictedUnpickler.maximumDepth)))
        for _ in 0 ..< RestrictedUnpickler.maximumDepth {
            guard let items = value.tuple, items.count == 1 else { return XCTFail("expected a 1-tuple, got \(value.kindName)") }
            value = items[0]
        }
        guard case .none = value else { return XCTFail("expected None innermost, got \(value.kindName)") }
        assertMalformed(nestedTuples(RestrictedUnpickler.maximumDepth + 1), reason: "nested more than")
        assertMalformed(nestedTuples(100_000), reason: "nested more than")
        let nestedLists: [UInt8] = [0x80, 0x02] + Array(repeating: 0x5D, count: 100_000)
            + Array(repeating: 0x61, count: 99_999) + [0x2E]
        assertMalformed(nestedLists, reason: "nested more than")
    }

    func testCursorStopsJustAfterStop() throws {
        let bytes: [UInt8] = [0x80, 0x02, 0x4B, 0x07, 0x2E, 0x80, 0x02, 0x4B, 0x08, 0x2E]
        try bytes.withUnsafeBytes { raw in
            var cursor = ByteCursor(raw, context: "test")
            XCTAssertEqual(try RestrictedUnpickler.load(from: &cursor).int, 7)
            XCTAssertEqual(cursor.position, 5)
            XCTAssertEqual(try RestrictedUnpickler.load(from: &cursor).int, 8)
            XCTAssertTrue(cursor.isAtEnd)
        }
    }

    func testRawUnicodeEscape() {
        // Protocol 0 writes non-Latin-1 characters as escapes and Latin-1 ones as single bytes.
        let bytes = Array(#"a\u2603\U0001F600"#.utf8) + [0xE9]
        XCTAssertEqual(RestrictedUnpickler.decodeRawUnicodeEscape(bytes), "a\u{2603}\u{1F600}\u{e9}")
    }

    // MARK: - Helpers

    private func load(_ data: Data, persistentLoad: RestrictedUnpickler.PersistentLoad? = nil) throws -> PickleValue {
        try [UInt8](data).withUnsafeBytes { raw in
            var cursor = ByteCursor(raw, context: "the test pickle")
            if let persistentLoad {
                return try RestrictedUnpickler.load(from: &cursor, persistentLoad: persistentLoad)
            }
            return try RestrictedUnpickler.load(from: &cursor)
        }
    }

    private func assertMalformed(_ bytes: [UInt8], reason: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(Data(bytes)), file: file, line: line) { error in
            guard case CheckpointError.malformedPickle(let message)? = error as? CheckpointError else {
                return XCTFail("\(error)", file: file, line: line)
            }
            XCTAssertTrue(message.contains(reason), message, file: file, line: line)
        }
    }

    private func ints(_ value: PickleValue?) -> [Int]? {
        guard case .list(let list)? = value else { return nil }
        return list.items.compactMap(\.int)
    }

    private func floats(_ value: PickleValue?) -> [Double]? {
        guard case .list(let list)? = value else { return nil }
        return list.items.compactMap { if case .float(let number) = $0 { return number } else { return nil } }
    }
}
