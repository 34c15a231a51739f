/// Deterministic pseudo-random chunk sizes for feeding one input in pieces, derived from the input itself.
///
/// Deriving the pieces from the bytes (rather than from a prefix the harness strips) keeps every corpus file a
/// plain example of the format, while a mutation of any byte still changes where the input is cut.
enum SplitPlan {
    /// Piece lengths covering all of `bytes`, none longer than `largestChunk`.
    static func pieces(for bytes: UnsafeRawBufferPointer, largestChunk: Int) -> [Int] {
        // FNV-1a: cheap, and every byte moves every cut.
        var state: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        let largest = UInt64(max(largestChunk, 1))
        var pieces: [Int] = []
        var remaining = bytes.count
        while remaining > 0 {
            // SplitMix64 step.
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            mixed ^= mixed >> 31
            let piece = min(remaining, 1 + Int(mixed % largest))
            pieces.append(piece)
            remaining -= piece
        }
        return pieces
    }
}
