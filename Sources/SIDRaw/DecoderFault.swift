/// A test hook for `DecoderHelper`: misbehave on purpose, after the limits are applied and before the input is
/// read, the way a hostile file can make LibRaw misbehave. Never used outside tests.
public enum DecoderFault: String, CaseIterable, Sendable {
    /// abort(): death by SIGABRT, as glibc's fortify checks kill LibRaw.
    case crash
    /// Spin on the CPU forever, as a decoding loop that never ends.
    case hang
    /// Allocate until the memory limit stops it.
    case allocate
    /// Write bytes that are not a decoder response, then exit 0.
    case garbage
}
