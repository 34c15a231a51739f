@testable import SIDCheckpoint

/// Unpickles bytes with the restricted unpickler, resolving persistent ids as a PyTorch zip checkpoint does, then
/// gathers every tensor the pickle rebuilt from a storage of the size its reference claims (capped): a hostile
/// layout must be refused, never read out of bounds.
enum RestrictedUnpicklerFuzzer {
    /// Storages larger than this are handed over short, which `floats(from:name:)` must notice.
    static let largestStorage = 1 << 16

    static func run(_ input: UnsafeRawBufferPointer) {
        var cursor = ByteCursor(input, context: "the pickle")
        let root: PickleValue
        do {
            root = try RestrictedUnpickler.load(from: &cursor, persistentLoad: storage(from:))
        } catch let error as CheckpointError {
            _ = error.description
            return
        } catch {
            Invariant.require(false, "unpickling threw \(error), which is not a CheckpointError")
            return
        }
        Invariant.require(cursor.position <= input.count, "the cursor ended at \(cursor.position) of \(input.count)")
        for tensor in tensors(in: root) { gather(tensor) }
    }

    /// `('storage', storage class, key, location, element count)`, as PyTorchCheckpoint accepts it.
    static func storage(from id: PickleValue) throws -> PickleValue {
        guard let fields = id.tuple, fields.count >= 5, case .global(.storageType(let dtype)) = fields[1],
              let key = fields[2].string, let count = fields[4].int, count >= 0
        else { throw CheckpointError.malformedCheckpoint("a persistent id is not a torch storage reference") }
        return .storage(TorchStorageReference(key: key, dtype: dtype, elementOffset: 0, elementCount: count))
    }

    /// The tensors reachable from `root`, each list and dict visited once. Tuples shared through the memo can make
    /// a small pickle a huge tree, so the walk stops after `budget` values.
    static func tensors(in root: PickleValue, budget: Int = 100_000) -> [TorchTensorReference] {
        var found: [TorchTensorReference] = []
        var pending = [root]
        var visited = Set<ObjectIdentifier>()
        var walked = 0
        while let value = pending.popLast(), walked < budget {
            walked += 1
            switch value {
            case let .tensor(reference): found.append(reference)
            case let .tuple(items): pending += items
            case let .list(list):
                if visited.insert(ObjectIdentifier(list)).inserted { pending += list.items }
            case let .dict(dict):
                if visited.insert(ObjectIdentifier(dict)).inserted {
                    for (key, item) in dict.entries { pending += [key, item] }
                }
            default: break
            }
        }
        return found
    }

    static func gather(_ tensor: TorchTensorReference) {
        let storage = tensor.storage
        let (bytes, overflow) = storage.elementCount.multipliedReportingOverflow(by: storage.dtype.elementSize)
        let size = overflow ? largestStorage : min(bytes, largestStorage)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0x3C)
        do {
            let values = try tensor.floats(from: UnsafeRawBufferPointer(buffer), name: "fuzz")
            Invariant.require(values.count == tensor.shape.reduce(1, *),
                              "shape \(tensor.shape) gave \(values.count) values")
        } catch let error as CheckpointError {
            _ = error.description
        } catch {
            Invariant.require(false, "gathering threw \(error), which is not a CheckpointError")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    RestrictedUnpicklerFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
