/// A deterministic pseudo-random source for test data (a 64-bit LCG), so failures reproduce.
public struct SeededValues {
    private var state: UInt64

    public init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }

    /// A float in [-1, 1).
    public mutating func next() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Int32(truncatingIfNeeded: state >> 32)) / Float(1 << 31)
    }

    public mutating func values(_ count: Int) -> [Float] { (0 ..< count).map { _ in next() } }
}
