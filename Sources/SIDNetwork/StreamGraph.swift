/// The U-Net as a graph of row streams over one band of columns: which layer makes which tensor
/// from which, and how far ahead each tensor must be kept.
///
/// Every tensor lives in a ring of full-band-width rows (pixels with contiguous channels). A layer
/// makes `unitRows` rows at a time and pulls from its inputs only the rows that unit needs, so
/// nothing is computed twice and each ring holds only the rows some consumer still owes: the deep
/// levels run ahead of the shallow ones by about the receptive field, and the skip connections are
/// the long rings. `[up, skip]` concatenation is free: the decoder's first conv reads both tensors as
/// one input, so the short-lived upsampled rows do not take up room in the long skip ring.
struct StreamGraph {
    enum Operation {
        /// Copies the band's columns of the planar input into rows.
        case gather
        case convolution(UNet.Convolution)
        case maxPool
        case transposed(UNet.TransposedConvolution)
    }

    struct Layer {
        let name: String
        let operation: Operation
        /// Tensors pulled before a unit runs; a second one is the skip half of the decoder's concat.
        let inputs: [Int]
        let output: Int
        let unitRows: Int
    }

    struct Tensor {
        let ring: Int
        let channels: Int
        let height: Int
        let width: Int
        /// Layers reading this tensor (indices into `layers`, or `outputConsumer`).
        var consumers: [Int] = []
    }

    /// Channels per pixel and width of each ring; how many rows each holds is measured by
    /// `UNetRunner.prepare`, which walks the schedule once without computing.
    struct Ring {
        let channels: Int
        let width: Int
    }

    /// The consumer that stands for conv10, the final write, which is not a layer of the graph.
    static let outputConsumer = -1

    private(set) var layers: [Layer] = []
    private(set) var tensors: [Tensor] = []
    private(set) var rings: [Ring] = []
    /// conv9_2's output, which conv10 turns into pixels.
    private(set) var final = 0

    init(model: UNet, height: Int, width: Int) {
        let architecture = model.architecture
        var sizes: [(height: Int, width: Int)] = []
        var h = height, w = width
        for _ in 1...5 {
            sizes.append((h, w))
            h = (h + 1) / 2
            w = (w + 1) / 2
        }
        func ring(channels: Int, level: Int) -> Int {
            rings.append(Ring(channels: channels, width: sizes[level - 1].width))
            return rings.count - 1
        }
        func tensor(channels: Int, level: Int) -> Int {
            let (h, w) = sizes[level - 1]
            tensors.append(Tensor(ring: ring(channels: channels, level: level), channels: channels, height: h, width: w))
            return tensors.count - 1
        }
        func layer(_ name: String, _ operation: Operation, _ inputs: [Int], _ output: Int, unitRows: Int = 4) {
            for input in inputs { tensors[input].consumers.append(layers.count) }
            layers.append(Layer(name: name, operation: operation, inputs: inputs, output: output, unitRows: unitRows))
        }

        // The packed planes (4 or 9) as they are: conv1_1, a direct conv, reads them one channel at a time.
        var source = tensor(channels: architecture.inChannels, level: 1)
        layer("input", .gather, [], source)
        var skips: [Int] = []
        for level in 1...5 {
            let c = architecture.channels(level: level)
            let (first, second) = model.encoder[level - 1]
            let activation = tensor(channels: c, level: level)
            layer("conv\(level)_1", .convolution(first), [source], activation, unitRows: first.algorithm.tileRows)
            let skip = tensor(channels: c, level: level)
            layer("conv\(level)_2", .convolution(second), [activation], skip, unitRows: second.algorithm.tileRows)
            skips.append(skip)
            if level < 5 {
                let pooled = tensor(channels: c, level: level + 1)
                layer("pool\(level)", .maxPool, [skip], pooled, unitRows: Self.unitRows(level + 1))
                source = pooled
            }
        }
        var deeper = skips[4]
        for level in stride(from: 4, through: 1, by: -1) {
            let c = architecture.channels(level: level)
            let (up, first, second) = model.decoder[4 - level]
            let block = 10 - level
            let upsampled = tensor(channels: c, level: level)
            layer("upv\(block)", .transposed(up), [deeper], upsampled, unitRows: Self.unitRows(level))
            let activation = tensor(channels: c, level: level)
            layer("conv\(block)_1", .convolution(first), [upsampled, skips[level - 1]], activation,
                  unitRows: first.algorithm.tileRows)
            let output = tensor(channels: c, level: level)
            layer("conv\(block)_2", .convolution(second), [activation], output, unitRows: second.algorithm.tileRows)
            deeper = output
        }
        final = deeper
        tensors[final].consumers.append(Self.outputConsumer)
    }

    /// Rows per unit of the pools and transposed convs. A convolution makes one row of its Winograd tiles
    /// per unit instead (4 rows, or 6 for F(6x6)): the walk pulls any mix of unit heights, and `prepare`
    /// measures the rings for it. More rows per unit would give the deep levels' products more tiles per
    /// filter matrix, but every extra row a unit makes is lookahead that doubles at each level up: the
    /// skip rings, hence memory, grow with it (8 at levels 4-5: +300 MB).
    static func unitRows(_ level: Int) -> Int { 4 }

    /// The last row of `input` that making output rows `rows` of `layer` reads.
    func lastInputRow(of layer: Layer, for rows: Range<Int>) -> Int {
        switch layer.operation {
        case .gather: return -1
        case .convolution: return rows.upperBound          // one row of padding below
        case .maxPool: return 2 * rows.upperBound - 1
        case .transposed: return (rows.upperBound - 1) / 2
        }
    }

    /// The first input row `layer` will still read, once it has made `produced` rows.
    func firstRowStillNeeded(by layer: Layer, produced: Int) -> Int {
        switch layer.operation {
        case .gather: return produced
        case .convolution: return max(0, produced - 1)  // one row of padding above
        case .maxPool: return 2 * produced
        case .transposed: return produced / 2
        }
    }
}
