import SIDWeights

/// A PyTorch checkpoint (`torch.save` output) read without Python, in either of its two layouts.
///
/// - zip (torch >= 1.6): `<archive>/data.pkl` plus one `<archive>/data/<key>` entry per storage.
/// - legacy (`_use_new_zipfile_serialization=False`): five pickles in a row (magic number, protocol version,
///   system info, the object, the storage keys), then each storage as an 8-byte element count and raw data.
///
/// Pickles go through `RestrictedUnpickler`, so reading a hostile file executes nothing.
final class PyTorchCheckpoint {
    enum Format: Sendable {
        case zip
        case legacy
    }

    let format: Format
    /// The unpickled object: a state dict, or a dict wrapping one.
    let root: PickleValue
    private let file: MappedFile
    /// Where each storage's bytes are in the file, by storage key.
    private let storageBytes: [String: UnsafeRawBufferPointer]

    /// The legacy format's first pickle is this integer, 0x1950a86a20f9469cfc6c, as little-endian bytes.
    static let legacyMagicNumber: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
    private static let legacyProtocolVersion = 1001

    /// Names under which training scripts commonly nest the state dict, tried before any other key.
    private static let wrapperKeys = [
        "state_dict", "model", "model_state_dict", "net", "network", "generator", "G", "netG", "params",
    ]

    init(path: String) throws {
        file = try MappedFile(path: path)
        guard let format = Self.format(of: file.bytes) else {
            throw CheckpointError.unrecognisedCheckpoint(path: path)
        }
        self.format = format
        switch format {
        case .zip: (root, storageBytes) = try Self.readZip(file.bytes)
        case .legacy: (root, storageBytes) = try Self.readLegacy(file.bytes)
        }
    }

    /// Recognises the layout by content: a zip's local header, or a pickle of the legacy magic number.
    static func format(of bytes: UnsafeRawBufferPointer) -> Format? {
        var cursor = ByteCursor(bytes, context: "the file")
        if let signature = try? cursor.readUInt32(), signature == ZipArchive.localHeaderSignature { return .zip }
        guard bytes.first == 0x80 else { return nil }
        cursor = ByteCursor(bytes, context: "the file")
        guard case .bigInt(let magic)? = try? RestrictedUnpickler.load(from: &cursor), magic == legacyMagicNumber else {
            return nil
        }
        return .legacy
    }

    /// The model's tensors as float32, in the state dict's order, with any `module.` prefix removed.
    func stateDict() throws -> [NamedTensor] {
        guard let dict = Self.locateStateDict(in: root, depth: 0) else {
            let keys = root.dict?.stringKeys.joined(separator: ", ") ?? root.kindName
            throw CheckpointError.malformedCheckpoint(
                "no state dict containing conv1_1.weight was found (top level: \(keys.isEmpty ? "empty" : keys))")
        }
        var tensors: [NamedTensor] = []
        var seen = Set<String>()
        for (key, value) in dict.entries {
            guard let key = key.string else {
                throw CheckpointError.malformedCheckpoint("the state dict has a \(key.kindName) key instead of a name")
            }
            guard case .tensor(let reference) = value else {
                throw CheckpointError.malformedCheckpoint("state dict entry \(key) is a \(value.kindName), not a tensor")
            }
            let name = key.hasPrefix("module.") ? String(key.dropFirst("module.".count)) : key
            guard seen.insert(name).inserted else {
                throw CheckpointError.malformedCheckpoint("the state dict holds \(name) twice (with and without module.)")
            }
            guard let bytes = storageBytes[reference.storage.key] else {
                throw CheckpointError.malformedCheckpoint("tensor \(key) refers to storage \(reference.storage.key), which is missing")
            }
            tensors.append(NamedTensor(
                name: name, shape: reference.shape, values: try reference.floats(from: bytes, name: name)))
        }
        return tensors
    }

    // MARK: - Finding the state dict

    private static func locateStateDict(in value: PickleValue, depth: Int) -> PickleDict? {
        guard let dict = value.dict, depth <= 2 else { return nil }
        if looksLikeStateDict(dict) { return dict }
        let preferred = wrapperKeys.compactMap { dict[$0] }
        let others = dict.entries.map(\.value)
        for candidate in preferred + others {
            if let found = locateStateDict(in: candidate, depth: depth + 1) { return found }
        }
        return nil
    }

    private static func looksLikeStateDict(_ dict: PickleDict) -> Bool {
        for key in ["conv1_1.weight", "module.conv1_1.weight"] {
            if case .tensor? = dict[key] { return true }
        }
        return false
    }

    // MARK: - Zip layout

    private static func readZip(
        _ bytes: UnsafeRawBufferPointer
    ) throws -> (PickleValue, [String: UnsafeRawBufferPointer]) {
        let archive = try ZipArchive(bytes: bytes)
        let pickles = archive.entries.filter { $0.name.hasSuffix("/data.pkl") || $0.name == "data.pkl" }
        guard let pickle = pickles.min(by: { $0.name.count < $1.name.count }) else {
            if archive.entries.contains(where: { $0.name.hasSuffix("/constants.pkl") }) {
                throw CheckpointError.malformedCheckpoint(
                    "this is a TorchScript archive (torch.jit.save); save the model's state_dict with torch.save")
            }
            throw CheckpointError.malformedCheckpoint("the zip archive has no data.pkl, so it is not a torch.save file")
        }
        let prefix = String(pickle.name.dropLast("data.pkl".count))
        if let byteOrder = archive.entry(named: prefix + "byteorder") {
            let order = String(decoding: try archive.contents(of: byteOrder), as: UTF8.self)
            guard order == "little" else {
                throw CheckpointError.malformedCheckpoint("the checkpoint was saved on a \(order)-endian machine")
            }
        }
        var referenced: [String: TorchStorageReference] = [:]
        var cursor = ByteCursor(try archive.contents(of: pickle), context: "the pickle \(pickle.name)")
        let root = try RestrictedUnpickler.load(from: &cursor) { id in
            let storage = try storageReference(from: id, allowsView: false)
            referenced[storage.key] = storage
            return .storage(storage)
        }
        var storages: [String: UnsafeRawBufferPointer] = [:]
        for key in referenced.keys {
            guard let entry = archive.entry(named: prefix + "data/" + key) else {
                throw CheckpointError.malformedCheckpoint("storage \(key) is referenced but data/\(key) is not in the archive")
            }
            storages[key] = try archive.contents(of: entry)
        }
        return (root, storages)
    }

    // MARK: - Legacy layout

    private static func readLegacy(
        _ bytes: UnsafeRawBufferPointer
    ) throws -> (PickleValue, [String: UnsafeRawBufferPointer]) {
        var cursor = ByteCursor(bytes, context: "the legacy checkpoint")
        _ = try RestrictedUnpickler.load(from: &cursor)
        let version = try RestrictedUnpickler.load(from: &cursor)
        guard version.int == legacyProtocolVersion else {
            throw CheckpointError.malformedCheckpoint("legacy protocol version \(version.int.map(String.init) ?? "?") is not 1001")
        }
        let systemInfo = try RestrictedUnpickler.load(from: &cursor)
        if case .bool(false)? = systemInfo.dict?["little_endian"] {
            throw CheckpointError.malformedCheckpoint("the checkpoint was saved on a big-endian machine")
        }

        var types: [String: TorchDType] = [:]
        let root = try RestrictedUnpickler.load(from: &cursor) { id in
            let storage = try storageReference(from: id, allowsView: true)
            types[storage.key] = storage.dtype
            return .storage(storage)
        }
        guard case .list(let keyList) = try RestrictedUnpickler.load(from: &cursor) else {
            throw CheckpointError.malformedCheckpoint("the storage key list after the pickle is missing")
        }
        var storages: [String: UnsafeRawBufferPointer] = [:]
        for item in keyList.items {
            guard let key = item.string else {
                throw CheckpointError.malformedCheckpoint("a storage key is a \(item.kindName), not a string")
            }
            guard let dtype = types[key] else {
                throw CheckpointError.malformedCheckpoint("storage \(key) is stored but never referenced, so its type is unknown")
            }
            let count = try cursor.readUInt64()
            guard count <= UInt64(cursor.remaining / dtype.elementSize) else {
                throw CheckpointError.truncated("storage \(key) announces \(count) elements but the file ends first")
            }
            storages[key] = try cursor.readBytes(Int(count) * dtype.elementSize)
        }
        return (root, storages)
    }

    // MARK: - Persistent ids

    /// Validates `('storage', storage_type, key, location, numel[, view_metadata])`.
    private static func storageReference(from id: PickleValue, allowsView: Bool) throws -> TorchStorageReference {
        guard let fields = id.tuple, fields.count >= 5, fields[0].string == "storage",
              case .global(.storageType(let dtype)) = fields[1], let key = fields[2].string,
              fields[3].string != nil, let count = fields[4].int, count >= 0
        else {
            throw CheckpointError.malformedCheckpoint("a persistent id is not a torch storage reference")
        }
        // Very old checkpoints pickled views into a larger storage: (view_key, offset, size).
        if fields.count >= 6, allowsView, let view = fields[5].tuple {
            guard view.count == 3, let offset = view[1].int, let size = view[2].int, offset >= 0, size >= 0,
                  offset <= count, size <= count - offset
            else {
                throw CheckpointError.malformedCheckpoint("storage \(key) has an impossible view")
            }
            return TorchStorageReference(key: key, dtype: dtype, elementOffset: offset, elementCount: size)
        }
        return TorchStorageReference(key: key, dtype: dtype, elementOffset: 0, elementCount: count)
    }
}
