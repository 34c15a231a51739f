import CKernels

/// Which compiled copy of the C kernels the forward pass runs on this CPU.
///
/// CKernels is built three times from one source (AVX-512, AVX2 + FMA, baseline x86-64) and picks the
/// best one the CPU supports on first use, so one binary serves every x86-64 host without SIGILL.
public enum KernelSelection {
    /// "avx512", "avx2" or "portable".
    public static var instructionSet: String { String(cString: sid_kernels_instruction_set()) }

    /// Every copy CKernels is built as, best first; `use(_:)` takes one of these names.
    public static let instructionSets = ["avx512", "avx2", "portable"]

    /// Switches the whole process to another copy; false if the name is unknown or this CPU cannot run it.
    /// For tests and `sid bench --kernels`; call it before any forward pass starts.
    public static func use(_ instructionSet: String) -> Bool { sid_kernels_use(instructionSet) != 0 }
}
