import Foundation
@testable import SIDCheckpoint
import SIDWeights

/// Opens bytes as a PyTorch checkpoint file (zip or legacy layout, told apart by content, as `sid convert` does) and
/// reads its state dict: every tensor handed out must hold as many values as its shape.
///
/// `PyTorchCheckpoint` maps a file, so each input is written to one scratch file in memory-backed /dev/shm.
enum PyTorchCheckpointFuzzer {
    static let scratchPath: String = {
        let directory = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return "\(directory)/sid-fuzz-\(getpid()).pth"
    }()

    static func run(_ input: UnsafeRawBufferPointer) {
        _ = PyTorchCheckpoint.format(of: input)
        write(input)
        defer { unlink(scratchPath) }
        do {
            let checkpoint = try PyTorchCheckpoint(path: scratchPath)
            for tensor in try checkpoint.stateDict() {
                Invariant.require(tensor.values.count == tensor.shape.reduce(1, *),
                                  "tensor \(tensor.name) of shape \(tensor.shape) has \(tensor.values.count) values")
            }
        } catch let error as CheckpointError {
            _ = error.description
        } catch let error as WeightsError {
            // Mapping the scratch file is SIDWeights' job; it exists, so only an empty or odd file gets here.
            _ = error.description
        } catch {
            Invariant.require(false, "reading threw \(error), which is neither a CheckpointError nor a WeightsError")
        }
    }

    static func write(_ input: UnsafeRawBufferPointer) {
        let descriptor = open(scratchPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        Invariant.require(descriptor >= 0, "cannot create \(scratchPath): \(String(cString: strerror(errno)))")
        defer { close(descriptor) }
        var written = 0
        while written < input.count, let base = input.baseAddress {
            let count = Foundation.write(descriptor, base + written, input.count - written)
            Invariant.require(count > 0, "cannot write \(scratchPath): \(String(cString: strerror(errno)))")
            written += count
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    PyTorchCheckpointFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
