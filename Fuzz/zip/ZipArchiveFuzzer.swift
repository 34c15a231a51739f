@testable import SIDCheckpoint

/// Reads a zip archive's central directory and every entry's stored bytes: each entry found by name must be the
/// entry listed, and the bytes handed out must lie inside the archive and match the sizes the directory gives.
enum ZipArchiveFuzzer {
    static func run(_ input: UnsafeRawBufferPointer) {
        let archive: ZipArchive
        do {
            archive = try ZipArchive(bytes: input)
        } catch let error as CheckpointError {
            _ = error.description
            return
        } catch {
            Invariant.require(false, "opening threw \(error), which is not a CheckpointError")
            return
        }
        Invariant.require(archive.entries.count <= input.count / 46,
                          "\(archive.entries.count) entries in a \(input.count)-byte archive")
        for entry in archive.entries.prefix(64) {
            Invariant.require(archive.entry(named: entry.name) != nil, "entry \(entry.name) is listed but not found")
            guard let contents = try? archive.contents(of: entry) else { continue }
            Invariant.require(contents.count == entry.compressedSize,
                              "entry \(entry.name) holds \(contents.count) bytes, its header says \(entry.compressedSize)")
            if let start = contents.baseAddress, let base = input.baseAddress {
                let offset = base.distance(to: start)
                Invariant.require(offset >= 0 && offset + contents.count <= input.count,
                                  "entry \(entry.name) is at bytes \(offset)..<\(offset + contents.count) of \(input.count)")
            }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ZipArchiveFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
