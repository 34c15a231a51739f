/// A tensor as `torch._utils._rebuild_tensor_v2` describes it: a strided window onto a storage.
struct TorchTensorReference: Sendable {
    /// No SID weight comes near this; a pickle claiming more (e.g. a zero-stride broadcast) is refused.
    static let maximumElementCount = 1 << 28

    let storage: TorchStorageReference
    let storageOffset: Int
    let shape: [Int]
    let strides: [Int]

    /// Builds the reference from `_rebuild_tensor_v2`'s arguments (storage, offset, size, stride, ...).
    init(rebuildArguments arguments: [PickleValue]) throws {
        guard arguments.count >= 4, case .storage(let storage) = arguments[0], let offset = arguments[1].int,
              let shape = arguments[2].tuple?.compactMap(\.int), let strides = arguments[3].tuple?.compactMap(\.int),
              shape.count == arguments[2].tuple?.count, strides.count == arguments[3].tuple?.count
        else {
            throw CheckpointError.malformedPickle(
                "_rebuild_tensor_v2 expects (storage, offset, size tuple, stride tuple, ...), got ("
                    + arguments.map(\.kindName).joined(separator: ", ") + ")")
        }
        self.storage = storage
        self.storageOffset = offset
        self.shape = shape
        self.strides = strides
    }

    /// Gathers the tensor's elements in row-major order as float32, widening float16 and bfloat16.
    ///
    /// `storageBytes` are the bytes of the whole storage the reference's key names.
    func floats(from storageBytes: UnsafeRawBufferPointer, name: String) throws -> [Float] {
        guard storage.dtype.widensExactlyToFloat32 else {
            throw CheckpointError.unsupportedDType(tensor: name, dtype: storage.dtype.rawValue)
        }
        let count = try validatedElementCount(name: name, storageBytes: storageBytes)
        // Only a tensor with elements has had its offset checked against the storage.
        guard count > 0 else { return [] }
        let first = storage.elementOffset + storageOffset
        switch storage.dtype {
        case .float16:
            return gather(UInt16.self, from: storageBytes, first: first, count: count, convert: Self.widenHalf)
        case .bfloat16:
            return gather(UInt16.self, from: storageBytes, first: first, count: count) {
                Float(bitPattern: UInt32($0) << 16)
            }
        default:
            return gather(UInt32.self, from: storageBytes, first: first, count: count) { Float(bitPattern: $0) }
        }
    }

    private func validatedElementCount(name: String, storageBytes: UnsafeRawBufferPointer) throws -> Int {
        guard shape.count == strides.count, shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }),
              storageOffset >= 0
        else {
            throw CheckpointError.malformedCheckpoint(
                "tensor \(name) has an impossible layout (size \(shape), stride \(strides), offset \(storageOffset))")
        }
        var count = 1
        var lastIndex = storageOffset
        for (size, stride) in zip(shape, strides) {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, product <= Self.maximumElementCount else {
                throw CheckpointError.malformedCheckpoint("tensor \(name) claims an impossible size \(shape)")
            }
            count = product
            if size > 0 {
                // Offsets and strides come from the pickle: a hostile one must be refused, not overflow.
                let (reach, reachOverflows) = (size - 1).multipliedReportingOverflow(by: stride)
                let (sum, sumOverflows) = lastIndex.addingReportingOverflow(reach)
                guard !reachOverflows, !sumOverflows else {
                    throw CheckpointError.malformedCheckpoint(
                        "tensor \(name) has an impossible layout (size \(shape), stride \(strides), offset \(storageOffset))")
                }
                lastIndex = sum
            }
        }
        guard count > 0 else { return 0 }
        guard lastIndex < storage.elementCount else {
            throw CheckpointError.malformedCheckpoint(
                "tensor \(name) reaches element \(lastIndex) of a storage holding \(storage.elementCount)")
        }
        let (storageEnd, endOverflows) = storage.elementOffset.addingReportingOverflow(storage.elementCount)
        let (neededBytes, bytesOverflow) = storageEnd.multipliedReportingOverflow(by: storage.dtype.elementSize)
        guard !endOverflows, !bytesOverflow, storageBytes.count >= neededBytes else {
            throw CheckpointError.truncated(
                "storage \(storage.key) of tensor \(name) has \(storageBytes.count) bytes, needs \(neededBytes)")
        }
        return count
    }

    /// Reads `count` elements in row-major order of `shape`, starting at storage element `first`.
    private func gather<Bits: FixedWidthInteger>(
        _: Bits.Type, from storageBytes: UnsafeRawBufferPointer, first: Int, count: Int, convert: (Bits) -> Float
    ) -> [Float] {
        let size = MemoryLayout<Bits>.size
        func element(_ index: Int) -> Float {
            convert(Bits(littleEndian: storageBytes.loadUnaligned(fromByteOffset: index * size, as: Bits.self)))
        }
        return [Float](unsafeUninitializedCapacity: count) { output, initialized in
            if isContiguous {
                for index in 0 ..< count { output[index] = element(first + index) }
            } else {
                // An odometer over the shape: advance the last axis, carrying into earlier ones. Wrapping arithmetic,
                // because stepping past the last element or along an axis of size 1 (whose stride can be anything)
                // may leave the range of Int on the way; every index actually read was validated.
                var position = [Int](repeating: 0, count: shape.count)
                var source = first
                for index in 0 ..< count {
                    output[index] = element(source)
                    var axis = shape.count - 1
                    while axis >= 0 {
                        position[axis] += 1
                        source &+= strides[axis]
                        if position[axis] < shape[axis] { break }
                        source &-= strides[axis] &* shape[axis]
                        position[axis] = 0
                        axis -= 1
                    }
                }
            }
            initialized = count
        }
    }

    /// Row-major contiguity; axes of size 1 may carry any stride.
    private var isContiguous: Bool {
        var expected = 1
        for axis in shape.indices.reversed() where shape[axis] != 1 {
            if strides[axis] != expected { return false }
            expected *= shape[axis]
        }
        return true
    }

    /// IEEE 754 binary16 to binary32, including subnormals, infinities and NaN.
    static func widenHalf(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: the value is mantissa * 2^-24, exactly representable in float32.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }
}

/// A typed storage a pickle refers to by key; its bytes live in the archive or after the legacy pickles.
struct TorchStorageReference: Sendable {
    /// The storage key: `data/<key>` in a zip checkpoint, a record after the pickles in a legacy one.
    let key: String
    let dtype: TorchDType
    /// Legacy checkpoints can pickle a view into a larger storage: its first element there.
    let elementOffset: Int
    let elementCount: Int
}
