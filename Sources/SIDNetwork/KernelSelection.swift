import CKernels

/// Which compiled copy of the C kernels the forward pass runs on this CPU.
///
/// CKernels is built three times from one source (AVX-512, AVX2 + FMA, baseline x86-64) and picks the
/// best one the CPU supports on first use, so one binary serves every x86-64 host without SIGILL.
public enum KernelSelection {
    /// "avx512", "avx2" or "portable".
    public static var instructionSet: String { String(cString: sid_kernels_instruction_set()) }

    /// Switches the whole process to another copy; false if this CPU cannot run it. For tests.
    static func use(_ instructionSet: String) -> Bool { sid_kernels_use(instructionSet) != 0 }
}
