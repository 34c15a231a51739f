import Foundation

/// A whole file mapped read-only into memory for the object's lifetime.
///
/// Mapping rather than reading lets an 87 MB checkpoint or a 31 MB weights file be used without a copy;
/// the pages are shared with the page cache and never written.
package final class MappedFile: @unchecked Sendable {
    package let path: String
    /// The file's bytes; empty for an empty file. Valid until the object is released.
    package let bytes: UnsafeRawBufferPointer

    package init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw WeightsError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw WeightsError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw WeightsError.unreadableFile(path: path, reason: "it is not a regular file")
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != MAP_FAILED else {
            throw WeightsError.unreadableFile(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }
}
