import Foundation

/// Reads Python pickles (protocols 0 to 5) without executing anything.
///
/// A pickle is a program for a stack machine whose GLOBAL and REDUCE opcodes can call any Python function;
/// that is how a malicious checkpoint runs code in `torch.load`. Here GLOBAL only resolves the allow-list in
/// `PickleGlobal` (anything else throws `forbiddenGlobal` on the spot), and "calling" one of those builds a
/// plain value. Persistent ids (torch storages) are handed to a closure that validates them.
///
/// Values may nest at most `maximumDepth` deep, since releasing a value recurses once per level (a 100 KB pickle of
/// nested tuples would otherwise overflow the stack), and a list or dict may not change once it is inside another
/// value: pickles of real data never do that, and it is the only way to build a cycle, which reference counting
/// would leak, or to deepen a value behind the back of the values that hold it.
struct RestrictedUnpickler {
    typealias PersistentLoad = (PickleValue) throws -> PickleValue

    /// Real checkpoints nest a few levels (checkpoint, state dict, tensor); this leaves room for any of them.
    static let maximumDepth = 100

    /// A value on the stack or in the memo, with the depth of a tuple (a list or dict keeps its own, as it can grow).
    private struct Item {
        let value: PickleValue
        let tupleDepth: Int

        init(_ value: PickleValue, tupleDepth: Int = 0) {
            self.value = value
            self.tupleDepth = tupleDepth
        }

        /// Levels of nesting in the value: 0 for a plain value, 1 for a container of plain values.
        var depth: Int {
            switch value {
            case .list(let list): return list.depth
            case .dict(let dict): return dict.depth
            default: return tupleDepth
            }
        }
    }

    private var cursor: ByteCursor
    private let persistentLoad: PersistentLoad
    private var stack: [Item] = []
    /// Stack heights at each MARK still open.
    private var marks: [Int] = []
    private var memo: [Int: Item] = [:]

    /// Unpickles one pickle starting at the cursor, leaving the cursor just after its STOP opcode.
    static func load(
        from cursor: inout ByteCursor,
        persistentLoad: @escaping PersistentLoad = { _ in
            throw CheckpointError.malformedPickle("a persistent id appears where no storage can be")
        }
    ) throws -> PickleValue {
        var unpickler = RestrictedUnpickler(cursor: cursor, persistentLoad: persistentLoad)
        let value = try unpickler.run()
        cursor = unpickler.cursor
        return value
    }

    private init(cursor: ByteCursor, persistentLoad: @escaping PersistentLoad) {
        self.cursor = cursor
        self.persistentLoad = persistentLoad
    }

    private mutating func run() throws -> PickleValue {
        while true {
            let offset = cursor.position
            let opcode = try cursor.readUInt8()
            switch opcode {
            case 0x80: // PROTO
                let version = try cursor.readUInt8()
                guard version <= 5 else { throw CheckpointError.malformedPickle("pickle protocol \(version) is unknown") }
            case 0x95: // FRAME: framing only groups opcodes for buffered reading; the length is advisory.
                _ = try cursor.readUInt64()
            case 0x2E: // STOP
                guard let result = stack.popLast() else { throw malformed("STOP with an empty stack", at: offset) }
                return result.value

            case 0x28: // MARK
                marks.append(stack.count)
            case 0x30: // POP
                if stack.count > (marks.last ?? 0) {
                    stack.removeLast()
                } else if !marks.isEmpty {
                    marks.removeLast()
                } else {
                    throw malformed("POP with an empty stack", at: offset)
                }
            case 0x31: // POP_MARK
                _ = try popToMark(at: offset)
            case 0x32: // DUP
                stack.append(try top(at: offset))

            case 0x4E: push(.none) // NONE
            case 0x88: push(.bool(true)) // NEWTRUE
            case 0x89: push(.bool(false)) // NEWFALSE
            case 0x4B: push(.int(Int(try cursor.readUInt8()))) // BININT1
            case 0x4D: push(.int(Int(try cursor.readUInt16()))) // BININT2
            case 0x4A: push(.int(Int(try cursor.readInt32()))) // BININT
            case 0x8A: push(try longValue(byteCount: Int(try cursor.readUInt8()))) // LONG1
            case 0x8B: push(try longValue(byteCount: try length32())) // LONG4
            case 0x49: push(try textInt(at: offset)) // INT
            case 0x4C: push(try textLong(at: offset)) // LONG
            case 0x47: push(.float(try cursor.readBigEndianDouble())) // BINFLOAT
            case 0x46: // FLOAT
                guard let value = Double(try text(at: offset)) else { throw malformed("bad FLOAT literal", at: offset) }
                push(.float(value))

            case 0x58: push(.string(try utf8(try cursor.readBytes(try length32()), at: offset))) // BINUNICODE
            case 0x8C: push(.string(try utf8(try cursor.readBytes(Int(try cursor.readUInt8())), at: offset)))
            case 0x8D: push(.string(try utf8(try cursor.readBytes(try length64(at: offset)), at: offset))) // BINUNICODE8
            case 0x56: push(.string(Self.decodeRawUnicodeEscape(try cursor.readLine()))) // UNICODE
            // Python 2 byte strings (BINSTRING, SHORT_BINSTRING) held text; they become strings here.
            case 0x54: push(.string(Self.text(try cursor.readBytes(try length32()))))
            case 0x55: push(.string(Self.text(try cursor.readBytes(Int(try cursor.readUInt8())))))
            case 0x42: push(.bytes(try cursor.readArray(try length32()))) // BINBYTES
            case 0x43: push(.bytes(try cursor.readArray(Int(try cursor.readUInt8())))) // SHORT_BINBYTES
            case 0x8E, 0x96: push(.bytes(try cursor.readArray(try length64(at: offset)))) // BINBYTES8, BYTEARRAY8

            case 0x29: stack.append(Item(.tuple([]), tupleDepth: 1)) // EMPTY_TUPLE
            case 0x85: try pushTuple(try popCount(1, at: offset), at: offset) // TUPLE1
            case 0x86: try pushTuple(try popCount(2, at: offset), at: offset) // TUPLE2
            case 0x87: try pushTuple(try popCount(3, at: offset), at: offset) // TUPLE3
            case 0x74: try pushTuple(try popToMark(at: offset), at: offset) // TUPLE
            case 0x5D, 0x8F: push(.list(PickleList())) // EMPTY_LIST, EMPTY_SET
            case 0x6C, 0x91: // LIST, FROZENSET
                let list = PickleList()
                try append(try popToMark(at: offset), to: list, at: offset)
                push(.list(list))
            case 0x61: // APPEND
                let item = try pop(at: offset)
                try append([item], to: try list(at: offset), at: offset)
            case 0x65, 0x90: // APPENDS, ADDITEMS
                let items = try popToMark(at: offset)
                try append(items, to: try list(at: offset), at: offset)
            case 0x7D: push(.dict(PickleDict())) // EMPTY_DICT
            case 0x64: // DICT
                let dict = PickleDict()
                try setItems(try popToMark(at: offset), in: dict, at: offset)
                push(.dict(dict))
            case 0x73: // SETITEM
                let pair = try popCount(2, at: offset)
                try setItems(pair, in: try dict(at: offset), at: offset)
            case 0x75: // SETITEMS
                let items = try popToMark(at: offset)
                try setItems(items, in: try dict(at: offset), at: offset)

            case 0x71: try memoize(Int(try cursor.readUInt8()), at: offset) // BINPUT
            case 0x72: try memoize(Int(try cursor.readUInt32()), at: offset) // LONG_BINPUT
            case 0x70: try memoize(try textIndex(at: offset), at: offset) // PUT
            case 0x94: try memoize(memo.count, at: offset) // MEMOIZE
            case 0x68: stack.append(try recall(Int(try cursor.readUInt8()), at: offset)) // BINGET
            case 0x6A: stack.append(try recall(Int(try cursor.readUInt32()), at: offset)) // LONG_BINGET
            case 0x67: stack.append(try recall(try textIndex(at: offset), at: offset)) // GET

            case 0x63: // GLOBAL
                let module = try text(at: offset)
                let name = try text(at: offset)
                push(.global(try PickleGlobal(module: module, name: name)))
            case 0x93: // STACK_GLOBAL
                let pair = try popCount(2, at: offset).map(\.value)
                guard let module = pair[0].string, let name = pair[1].string else {
                    throw malformed("STACK_GLOBAL needs two strings", at: offset)
                }
                push(.global(try PickleGlobal(module: module, name: name)))
            case 0x69: // INST: module and name inline, arguments since the mark
                let global = try PickleGlobal(module: try text(at: offset), name: try text(at: offset))
                push(try call(global, with: try popToMark(at: offset).map(\.value), at: offset))
            case 0x6F: // OBJ: class and arguments since the mark
                let items = try popToMark(at: offset).map(\.value)
                guard case .global(let global)? = items.first else { throw malformed("OBJ without a class", at: offset) }
                push(try call(global, with: Array(items.dropFirst()), at: offset))
            case 0x52, 0x81: // REDUCE, NEWOBJ
                let arguments = try pop(at: offset).value
                let callable = try pop(at: offset).value
                push(try call(callable, with: arguments, at: offset))
            case 0x92: // NEWOBJ_EX: keyword arguments are ignored, none of the allowed classes takes any
                _ = try pop(at: offset)
                let arguments = try pop(at: offset).value
                let callable = try pop(at: offset).value
                push(try call(callable, with: arguments, at: offset))
            case 0x62: // BUILD
                _ = try pop(at: offset)
                try acceptBuild(on: try top(at: offset).value, at: offset)

            case 0x51: // BINPERSID
                let id = try pop(at: offset)
                // What the loader builds from an id nests no deeper than the id.
                stack.append(Item(try persistentLoad(id.value), tupleDepth: id.depth))
            case 0x50: push(try persistentLoad(.string(try text(at: offset)))) // PERSID

            case 0x82, 0x83, 0x84:
                throw malformed("extension-registry opcodes (EXT1/2/4) name globals indirectly and are refused", at: offset)
            case 0x97, 0x98:
                throw malformed("out-of-band buffers (protocol 5) are not used by checkpoints and are refused", at: offset)
            case 0x53:
                throw malformed("protocol-0 quoted byte strings (STRING) are not supported", at: offset)
            default:
                throw malformed("unknown opcode 0x\(String(opcode, radix: 16))", at: offset)
            }
        }
    }

    // MARK: - Stack

    /// Pushes anything but a tuple, whose depth `pushTuple` works out.
    private mutating func push(_ value: PickleValue) { stack.append(Item(value)) }

    private mutating func pushTuple(_ items: [Item], at offset: Int) throws {
        let depth = try nest(items, in: nil, startingAt: 1, at: offset)
        stack.append(Item(.tuple(items.map(\.value)), tupleDepth: depth))
    }

    private mutating func pop(at offset: Int) throws -> Item {
        guard stack.count > (marks.last ?? 0), let value = stack.popLast() else {
            throw malformed("an opcode needs a value but the stack is empty", at: offset)
        }
        return value
    }

    private func top(at offset: Int) throws -> Item {
        guard stack.count > (marks.last ?? 0), let value = stack.last else {
            throw malformed("an opcode needs a value but the stack is empty", at: offset)
        }
        return value
    }

    private mutating func popCount(_ count: Int, at offset: Int) throws -> [Item] {
        guard stack.count - (marks.last ?? 0) >= count else {
            throw malformed("an opcode needs \(count) values but the stack has fewer", at: offset)
        }
        defer { stack.removeLast(count) }
        return Array(stack.suffix(count))
    }

    private mutating func popToMark(at offset: Int) throws -> [Item] {
        guard let mark = marks.popLast() else { throw malformed("an opcode needs a MARK but none is open", at: offset) }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    private func list(at offset: Int) throws -> PickleList {
        guard case .list(let list) = try top(at: offset).value else { throw malformed("APPEND to a non-list", at: offset) }
        guard !list.isNested else { throw malformed("APPEND to a list already inside another value", at: offset) }
        return list
    }

    private func dict(at offset: Int) throws -> PickleDict {
        guard case .dict(let dict) = try top(at: offset).value else { throw malformed("SETITEM on a non-dict", at: offset) }
        guard !dict.isNested else { throw malformed("SETITEM on a dict already inside another value", at: offset) }
        return dict
    }

    private func append(_ items: [Item], to list: PickleList, at offset: Int) throws {
        list.depth = try nest(items, in: list, startingAt: list.depth, at: offset)
        list.items.append(contentsOf: items.map(\.value))
    }

    private func setItems(_ items: [Item], in dict: PickleDict, at offset: Int) throws {
        guard items.count % 2 == 0 else { throw malformed("SETITEMS with an odd number of values", at: offset) }
        dict.depth = try nest(items, in: dict, startingAt: dict.depth, at: offset)
        for index in stride(from: 0, to: items.count, by: 2) {
            dict.set(items[index + 1].value, forKey: items[index].value)
        }
    }

    /// Marks the lists and dicts among `items` as nested (so they can no longer change) and returns the depth of the
    /// container that receives them, `depth` so far; `container` is that container if it already exists.
    private func nest(_ items: [Item], in container: AnyObject?, startingAt depth: Int, at offset: Int) throws -> Int {
        var depth = depth
        for item in items {
            switch item.value {
            case .list(let list):
                guard list !== container else { throw malformed("a list is put inside itself", at: offset) }
                list.isNested = true
            case .dict(let dict):
                guard dict !== container else { throw malformed("a dict is put inside itself", at: offset) }
                dict.isNested = true
            default:
                break
            }
            depth = max(depth, item.depth + 1)
        }
        guard depth <= Self.maximumDepth else {
            throw malformed("values are nested more than \(Self.maximumDepth) deep", at: offset)
        }
        return depth
    }

    // MARK: - Memo

    private mutating func memoize(_ index: Int, at offset: Int) throws {
        memo[index] = try top(at: offset)
    }

    private func recall(_ index: Int, at offset: Int) throws -> Item {
        guard let value = memo[index] else { throw malformed("GET of memo entry \(index), which was never stored", at: offset) }
        return value
    }

    // MARK: - Calls

    /// What "calling" an allowed global produces; nothing here runs code named by the pickle.
    private func call(_ callable: PickleValue, with arguments: PickleValue, at offset: Int) throws -> PickleValue {
        guard case .global(let global) = callable else {
            throw malformed("REDUCE calls a \(callable.kindName), which is not callable", at: offset)
        }
        guard let arguments = arguments.tuple else {
            throw malformed("REDUCE arguments must be a tuple, not a \(arguments.kindName)", at: offset)
        }
        return try call(global, with: arguments, at: offset)
    }

    private func call(_ global: PickleGlobal, with arguments: [PickleValue], at offset: Int) throws -> PickleValue {
        switch global {
        case .orderedDict:
            let dict = PickleDict()
            if case .list(let pairs)? = arguments.first {
                // Keys and values sat two levels down in the list (inside pairs), one level down in the dict.
                dict.depth = max(pairs.depth - 1, 1)
                for pair in pairs.items {
                    guard let items = pair.tuple, items.count == 2 else {
                        throw malformed("OrderedDict built from something other than (key, value) pairs", at: offset)
                    }
                    dict.set(items[1], forKey: items[0])
                }
            } else if !arguments.isEmpty {
                throw malformed("OrderedDict called with unexpected arguments", at: offset)
            }
            return .dict(dict)
        case .rebuildTensor:
            return .tensor(try TorchTensorReference(rebuildArguments: arguments))
        case .rebuildParameter:
            guard case .tensor? = arguments.first else {
                throw malformed("_rebuild_parameter expects a tensor as its first argument", at: offset)
            }
            return arguments[0]
        case .storageType(let dtype):
            throw malformed("the storage class for \(dtype.rawValue) is called like a function", at: offset)
        }
    }

    /// BUILD sets attributes (an OrderedDict's `_metadata`, a tensor's hooks): this reader keeps no attributes.
    private func acceptBuild(on object: PickleValue, at offset: Int) throws {
        switch object {
        case .dict, .tensor, .list:
            return
        default:
            throw malformed("BUILD on a \(object.kindName)", at: offset)
        }
    }

    // MARK: - Literals

    private mutating func length32() throws -> Int {
        Int(try cursor.readUInt32())
    }

    private mutating func length64(at offset: Int) throws -> Int {
        let length = try cursor.readUInt64()
        guard length <= UInt64(cursor.remaining) else {
            throw CheckpointError.truncated("the pickle announces \(length) bytes at byte \(offset) but has fewer left")
        }
        return Int(length)
    }

    /// The newline-terminated argument of a protocol-0 opcode.
    private mutating func text(at offset: Int) throws -> String {
        guard let string = String(bytes: try cursor.readLine(), encoding: .utf8) else {
            throw malformed("a text field is not valid UTF-8", at: offset)
        }
        return string
    }

    private mutating func textIndex(at offset: Int) throws -> Int {
        guard let index = Int(try text(at: offset)), index >= 0 else { throw malformed("bad memo index", at: offset) }
        return index
    }

    /// Protocol 0 writes booleans as the integers "01" and "00".
    private mutating func textInt(at offset: Int) throws -> PickleValue {
        let literal = try text(at: offset)
        switch literal {
        case "01": return .bool(true)
        case "00": return .bool(false)
        default:
            guard let value = Int(literal) else { throw malformed("INT literal \(literal) is not a 64-bit integer", at: offset) }
            return .int(value)
        }
    }

    private mutating func textLong(at offset: Int) throws -> PickleValue {
        var literal = try text(at: offset)
        if literal.hasSuffix("L") { literal.removeLast() }
        guard let value = Int(literal) else { throw malformed("LONG literal \(literal) is not a 64-bit integer", at: offset) }
        return .int(value)
    }

    /// LONG1/LONG4: little-endian two's complement of any length.
    private mutating func longValue(byteCount: Int) throws -> PickleValue {
        let bytes = try cursor.readArray(byteCount)
        guard bytes.count <= 8 else { return .bigInt(bytes) }
        guard let last = bytes.last else { return .int(0) }
        var value: UInt64 = last & 0x80 != 0 ? ~0 : 0
        for byte in bytes.reversed() { value = (value << 8) | UInt64(byte) }
        return .int(Int(bitPattern: UInt(value)))
    }

    private func utf8(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws -> String {
        guard let string = String(bytes: bytes, encoding: .utf8) else {
            throw malformed("a string is not valid UTF-8", at: offset)
        }
        return string
    }

    /// Python 2 `str` was bytes; checkpoint keys were ASCII, anything else is read as Latin-1.
    private static func text(_ bytes: UnsafeRawBufferPointer) -> String {
        String(bytes: bytes, encoding: .utf8) ?? String(bytes.map { Character(Unicode.Scalar($0)) })
    }

    /// Protocol 0's UNICODE uses Python's raw-unicode-escape: Latin-1 bytes plus \uXXXX and \UXXXXXXXX.
    static func decodeRawUnicodeEscape(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count {
                let digits = bytes[index + 1] == UInt8(ascii: "u") ? 4 : bytes[index + 1] == UInt8(ascii: "U") ? 8 : 0
                if digits > 0, index + 2 + digits <= bytes.count,
                   let code = UInt32(String(decoding: bytes[(index + 2) ..< (index + 2 + digits)], as: UTF8.self),
                                     radix: 16),
                   let scalar = Unicode.Scalar(code) {
                    scalars.append(scalar)
                    index += 2 + digits
                    continue
                }
            }
            scalars.append(Unicode.Scalar(bytes[index]))
            index += 1
        }
        return String(scalars)
    }

    private func malformed(_ reason: String, at offset: Int) -> CheckpointError {
        CheckpointError.malformedPickle("\(reason) (at byte \(offset))")
    }
}
