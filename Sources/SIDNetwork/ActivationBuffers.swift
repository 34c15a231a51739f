/// Every activation a tile needs, per level k of the U-Net (channels C_k = width * 2^(k-1)):
///
/// - `activation(k)`: C_k planes, the first conv's output of the level (encoder and decoder alike).
/// - `concat(k)`, levels 1-4: 2*C_k planes. The upper half holds the encoder's skip (conv_k_2);
///   the lower half first receives the pool from level k-1, later the transposed conv from
///   level k+1 and finally the decoder's second conv, whose output feeds the next level up.
/// - level 5 has no concat: its "lower" buffer takes pool4 and its "skip" conv5_2.
///
/// About 184 * width/32 floats per level-1 pixel in all. Buffers grow to the largest tile seen and
/// are then reused for every tile and call.
final class ActivationBuffers {
    let architecture: UNetArchitecture
    private(set) var input = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private var activations: [UnsafeMutablePointer<Float>] = []
    private var concats: [UnsafeMutablePointer<Float>] = []
    /// Level-5 buffer that plays the concat's role: pool4 comes in, conv5_2 goes out.
    private var bottom = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private var capacity = (height: 0, width: 0)

    init(architecture: UNetArchitecture) {
        self.architecture = architecture
    }

    deinit {
        deallocateAll()
    }

    var allocatedBytes: Int {
        guard capacity.height > 0 else { return 0 }
        let levels = levelSizes(height: capacity.height, width: capacity.width)
        var floats = architecture.inChannels * capacity.height * capacity.width
        for level in 1...5 {
            let (h, w) = levels[level - 1]
            let c = architecture.channels(level: level)
            floats += (level < 5 ? 3 : 2) * c * h * w
        }
        return floats * 4
    }

    /// Spatial size at levels 1...5: each pool halves, rounding up (SAME padding).
    func levelSizes(height: Int, width: Int) -> [(Int, Int)] {
        var sizes: [(Int, Int)] = []
        var h = height, w = width
        for _ in 1...5 {
            sizes.append((h, w))
            h = (h + 1) / 2
            w = (w + 1) / 2
        }
        return sizes
    }

    /// Makes room for a tile of this size; allocates only when it is larger than any before.
    func reserve(height: Int, width: Int) {
        guard height > capacity.height || width > capacity.width else { return }
        deallocateAll()
        capacity = (max(height, capacity.height), max(width, capacity.width))
        let levels = levelSizes(height: capacity.height, width: capacity.width)
        func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            buffer.initialize(repeating: 0, count: count)
            return buffer
        }
        input = allocate(architecture.inChannels * capacity.height * capacity.width)
        for level in 1...5 {
            let (h, w) = levels[level - 1]
            let c = architecture.channels(level: level)
            activations.append(allocate(c * h * w))
            if level < 5 { concats.append(allocate(2 * c * h * w)) }
        }
        let (h5, w5) = levels[4]
        bottom = allocate(architecture.channels(level: 5) * h5 * w5)
    }

    func activation(_ level: Int) -> UnsafeMutablePointer<Float> { activations[level - 1] }

    /// The concat's lower half (or level 5's bottom buffer).
    func lower(_ level: Int) -> UnsafeMutablePointer<Float> {
        level == 5 ? bottom : concats[level - 1]
    }

    /// Where conv_k_2 writes: the concat's upper half. At level 5 that is the bottom buffer.
    /// The offset is in planes of the current tile, so it is computed from the tile's own size.
    func skip(_ level: Int, height: Int, width: Int) -> UnsafeMutablePointer<Float> {
        if level == 5 { return bottom }
        let (h, w) = levelSizes(height: height, width: width)[level - 1]
        return concats[level - 1] + architecture.channels(level: level) * h * w
    }

    /// Frees every buffer; callers either allocate new ones at once (`reserve`) or are going away (`deinit`).
    private func deallocateAll() {
        input.deallocate()
        activations.forEach { $0.deallocate() }
        concats.forEach { $0.deallocate() }
        bottom.deallocate()
        activations = []
        concats = []
    }
}
