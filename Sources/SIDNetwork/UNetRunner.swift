import CKernels

/// Runs a `UNet` forward over packed images of any size. One runner per worker: it owns every
/// activation and scratch buffer, allocates them on first use and reuses them across layers, bands
/// and calls. Not thread-safe; its `threads` work inside it.
///
/// The image is streamed row by row (see `StreamGraph`): no layer computes a row twice and only the
/// rows still owed to a consumer are held, so memory grows with the image width, not its area.
/// Images wider than `maxBandWidth` are cut into column bands with `SIDArchitecture.tileMargin`
/// columns of context each, so memory stays bounded for any size.
public final class UNetRunner {
    public let model: UNet
    public let maxBandWidth: Int
    public var threads: Int { pool.threads }

    private let pool: ComputePool
    /// One allocation per ring of the stream graph, grown only when a larger image needs more.
    private var ringStorage: [UnsafeMutablePointer<Float>] = []
    private var ringFloats: [Int] = []
    /// The schedule of the graph last run, reused while the band size stays the same.
    private var schedule: (height: Int, width: Int, graph: StreamGraph, rows: [Int])?

    // Progress of the band being streamed.
    private var produced: [Int] = []
    private var outputRows = 0
    private var producer: [Int] = []

    /// Floats of scratch a chunk of Winograd tiles should fit in: its transforms then stay in L2.
    static let scratchBudget = 1 << 19

    /// Winograd filters this large are read once per unit, with the threads splitting output channels.
    static let wideFilterBytes = 8 << 20

    /// Tiles a wide conv's unit may hold in one thread's scratch: a whole unit (one row of tiles) of a
    /// 2560-wide band at level 4 (Sony and Fuji frames are narrower); wider bands take a unit in several chunks.
    static func wideUnitTiles(_ algorithm: UNet.Algorithm) -> Int { 2560 / 8 / algorithm.tileRows }

    /// - Parameters:
    ///   - threads: compute threads for this runner (each layer's unit is split over them).
    ///   - maxBandWidth: the widest column band in packed pixels; memory grows linearly with it
    ///     (about 0.1 MB per column for the 32-wide model).
    public init(model: UNet, threads: Int = 1, maxBandWidth: Int = 4096) {
        self.model = model
        self.maxBandWidth = maxBandWidth
        let architecture = model.architecture
        var scratch = Self.scratchBudget
        let convs = model.encoder.flatMap { [$0.first, $0.second] } + model.decoder.flatMap { [$0.first, $0.second] }
        for level in 4...5 {
            // Wide convs keep a whole unit's tiles, for a thread's share of their output channels. The
            // widest input at both levels is the level-5 width (conv5_2, and conv6_1's concat).
            let c = architecture.channels(level: level)
            let share = ((c + threads - 1) / max(1, threads) + 31) / 32 * 32
            let cin = Int32(architecture.channels(level: 5))
            for conv in convs where conv.outChannels == c {
                guard let kernel = conv.algorithm.winograd else { continue }
                let tiles = Int32(Self.wideUnitTiles(conv.algorithm) >> (level - 4))
                scratch = max(scratch, kernel.scratchFloats(cin, Int32(share), tiles))
            }
        }
        self.pool = ComputePool(threads: threads, scratchFloats: scratch)
    }

    deinit {
        ringStorage.forEach { $0.deallocate() }
    }

    /// Looked at before each unit of four output rows: once set, `run` stops with `UNetError.cancelled`.
    public var cancellation: CancellationFlag?

    /// Bytes held by this runner's buffers right now.
    public var allocatedBytes: Int { ringBytes + pool.threads * pool.scratchCount * 4 }

    /// Bytes of the activation rings alone.
    var ringBytes: Int { ringFloats.reduce(0, +) * 4 }

    /// Runs the network on a planar [inChannels][height][width] packed image and writes the
    /// (scale*height) x (scale*width) RGB result into `output`.
    public func run(
        input: UnsafeBufferPointer<Float>, height: Int, width: Int,
        output: OutputImage, timings: LayerTimings? = nil
    ) throws {
        let channels = model.architecture.inChannels
        guard height > 0, width > 0 else { throw UNetError.inputTooSmall(height: height, width: width) }
        guard input.count == channels * height * width, let source = input.baseAddress else {
            throw UNetError.inputShape(expected: channels * height * width, found: input.count)
        }
        let bands = BandPlan(width: width, maxWidth: maxBandWidth).bands
        for band in bands {
            let image = Image(pixels: source, height: height, width: width, band: band, output: output)
            prepare(height: height, width: band.columns.count)
            stream(image, timings: timings)
            if cancellation?.isCancelled == true { throw UNetError.cancelled }
        }
    }

    /// The input and output of one band.
    private struct Image {
        let pixels: UnsafePointer<Float>
        let height: Int
        let width: Int
        let band: BandPlan.Span
        let output: OutputImage
    }

    // MARK: - Scheduling

    /// Builds the graph for a band of this size and sizes every ring by running the schedule once
    /// without computing: the rows each ring must hold are the most it ever holds at once.
    private func prepare(height: Int, width: Int) {
        if let schedule, schedule.height == height, schedule.width == width { return }
        let graph = StreamGraph(model: model, height: height, width: width)
        producer = [Int](repeating: 0, count: graph.tensors.count)
        for (index, layer) in graph.layers.enumerated() { producer[layer.output] = index }
        var rows = [Int](repeating: 1, count: graph.rings.count)
        walk(graph) { layer, range in
            let tensor = graph.tensors[layer.output]
            rows[tensor.ring] = max(rows[tensor.ring], range.upperBound - self.firstRowStillNeeded(tensor, graph))
        } output: { _ in }
        schedule = (height, width, graph, rows)
        for (index, ring) in graph.rings.enumerated() {
            let floats = rows[index] * ring.width * ring.channels
            if index < ringStorage.count {
                guard floats > ringFloats[index] else { continue }
                ringStorage[index].deallocate()
                ringStorage[index] = Self.allocate(floats)
                ringFloats[index] = floats
            } else {
                ringStorage.append(Self.allocate(floats))
                ringFloats.append(floats)
            }
        }
    }

    private static func allocate(_ floats: Int) -> UnsafeMutablePointer<Float> {
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: floats)
        buffer.initialize(repeating: 0, count: floats)
        return buffer
    }

    /// Pulls the whole band through the graph, four output rows at a time, calling `compute` for every
    /// unit a layer makes (in an order where its input rows are ready) and `output` for conv10's rows.
    private func walk(_ graph: StreamGraph, compute: (StreamGraph.Layer, Range<Int>) -> Void,
                      output: (Range<Int>) -> Void) {
        produced = [Int](repeating: 0, count: graph.tensors.count)
        outputRows = 0
        func pull(_ tensor: Int, through row: Int) {
            let target = min(row + 1, graph.tensors[tensor].height)
            while produced[tensor] < target {
                let layer = graph.layers[producer[tensor]]
                let start = produced[tensor]
                let rows = start..<min(start + layer.unitRows, graph.tensors[tensor].height)
                let last = graph.lastInputRow(of: layer, for: rows)
                for input in layer.inputs { pull(input, through: last) }
                compute(layer, rows)
                produced[tensor] = rows.upperBound
            }
        }
        let height = graph.tensors[graph.final].height
        while outputRows < height {
            if cancellation?.isCancelled == true { return }
            let rows = outputRows..<min(outputRows + 4, height)
            pull(graph.final, through: rows.upperBound - 1)
            output(rows)
            outputRows = rows.upperBound
        }
    }

    /// The lowest row of `tensor` any of its consumers will still read.
    private func firstRowStillNeeded(_ tensor: StreamGraph.Tensor, _ graph: StreamGraph) -> Int {
        var first = Int.max
        for consumer in tensor.consumers {
            if consumer == StreamGraph.outputConsumer {
                first = min(first, outputRows)
            } else {
                let layer = graph.layers[consumer]
                first = min(first, graph.firstRowStillNeeded(by: layer, produced: produced[layer.output]))
            }
        }
        return first
    }

    private func stream(_ image: Image, timings: LayerTimings?) {
        guard let schedule else { return }
        let graph = schedule.graph
        func time(_ name: String, _ work: () -> Void) {
            if let timings { timings.measure(name, work) } else { work() }
        }
        walk(graph) { layer, rows in
            let work = { self.compute(layer, rows: rows, graph: graph, ringRows: schedule.rows, image: image) }
            // Timings list the network's layers; gathering the input is a copy (about 1% of the time).
            if case .gather = layer.operation { work() } else { time(layer.name, work) }
        } output: { rows in
            time("conv10+shuffle") { self.writeOutput(rows: rows, graph: graph, ringRows: schedule.rows, image: image) }
        }
    }

    // MARK: - Layers

    /// Where row `y` of `tensor` lives in its ring; nil outside the tensor (the convolutions' zero padding).
    @inline(__always)
    private func row(_ tensor: StreamGraph.Tensor, _ y: Int, _ graph: StreamGraph, _ ringRows: [Int]) -> UnsafeMutablePointer<Float>? {
        guard y >= 0 && y < tensor.height else { return nil }
        let ring = graph.rings[tensor.ring]
        return ringStorage[tensor.ring] + (y % ringRows[tensor.ring]) * ring.width * ring.channels
    }

    private func compute(_ layer: StreamGraph.Layer, rows: Range<Int>, graph: StreamGraph, ringRows: [Int], image: Image) {
        let output = graph.tensors[layer.output]
        let outputStride = graph.rings[output.ring].channels
        func row(_ tensor: StreamGraph.Tensor, _ y: Int) -> UnsafeMutablePointer<Float>? {
            self.row(tensor, y, graph, ringRows)
        }
        switch layer.operation {
        case .gather:
            let channels = model.architecture.inChannels
            for y in rows {
                guard let target = row(output, y) else { continue }
                for c in 0..<channels {
                    let source = image.pixels + (c * image.height + y) * image.width + image.band.columns.lowerBound
                    for x in 0..<output.width { target[x * outputStride + c] = source[x] }
                }
            }

        case .convolution(let conv):
            // The decoder's first conv reads [upsampled, skip] as one input of both tensors' channels.
            let input = graph.tensors[layer.inputs[0]]
            let skip = layer.inputs.count > 1 ? graph.tensors[layer.inputs[1]] : nil
            // Tiles are 4 rows tall, or 6 for F(6x6): the unit is tileRows of them (sid_conv3x3.tile_rows).
            let tileHeight = conv.algorithm.tileRows
            let tileRows = (rows.count + tileHeight - 1) / tileHeight
            let inputCount = tileHeight * tileRows + 2
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: 2 * inputCount) { inputRows in
            withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>?.self, capacity: tileHeight * tileRows) { outputRows in
                for i in 0..<inputCount {
                    let y = rows.lowerBound - 1 + i
                    inputRows[i] = row(input, y).map { UnsafePointer($0) }
                    inputRows[inputCount + i] = skip.flatMap { row($0, y) }.map { UnsafePointer($0) }
                }
                for i in 0..<outputRows.count { outputRows[i] = row(output, rows.lowerBound + i) }
                conv.filters.withUnsafeBufferPointer { filters in
                conv.bias.withUnsafeBufferPointer { bias in
                    var arguments = sid_conv3x3(
                        input_rows: UnsafePointer(inputRows.baseAddress), input_stride: Int32(input.channels),
                        in_channels: Int32(input.channels),
                        second_rows: skip == nil ? nil : UnsafePointer(inputRows.baseAddress! + inputCount),
                        second_stride: Int32(skip?.channels ?? 0), second_channels: Int32(skip?.channels ?? 0),
                        output_rows: UnsafePointer(outputRows.baseAddress), output_stride: Int32(outputStride),
                        out_channels: Int32(conv.outChannels), width: Int32(output.width), tile_rows: Int32(tileRows),
                        filters: filters.baseAddress, bias: bias.baseAddress)
                    withUnsafePointer(to: &arguments) { arguments in
                        if let kernel = conv.algorithm.winograd {
                            convolveByWinograd(arguments, conv, kernel,
                                               tiles: tileRows * ((output.width + tileHeight - 1) / tileHeight))
                        } else {
                            convolveDirectly(arguments, rows: rows.count, width: output.width)
                        }
                    }
                }
                }
            }
            }

        case .maxPool:
            let input = graph.tensors[layer.inputs[0]]
            let inputStride = Int32(graph.rings[input.ring].channels)
            pool.forEach(rows.count) { index, _ in
                let y = rows.lowerBound + index
                guard let top = row(input, 2 * y), let target = row(output, y) else { return }
                let bottom = row(input, 2 * y + 1) ?? top
                sid_max_pool2x2(top, bottom, inputStride, Int32(input.width), Int32(output.channels),
                             target, Int32(outputStride), 0, Int32(output.width))
            }

        case .transposed(let up):
            let input = graph.tensors[layer.inputs[0]]
            let inputStride = Int32(graph.rings[input.ring].channels)
            let chunk = min(input.width, pool.scratchCount / (4 * UNet.padded(up.outChannels)))
            let chunks = (input.width + chunk - 1) / chunk
            let inputRows = (rows.lowerBound / 2)..<((rows.upperBound + 1) / 2)
            up.weights.withUnsafeBufferPointer { weights in
            up.bias.withUnsafeBufferPointer { bias in
                pool.forEach(inputRows.count * chunks) { index, thread in
                    let y = inputRows.lowerBound + index / chunks
                    let x0 = (index % chunks) * chunk
                    guard let source = row(input, y), let top = row(output, 2 * y) else { return }
                    sid_transposed_conv2x2(source, inputStride, Int32(up.inChannels), Int32(x0),
                                           Int32(min(chunk, input.width - x0)), weights.baseAddress, bias.baseAddress,
                                           Int32(up.outChannels), top, row(output, 2 * y + 1), Int32(outputStride),
                                           Int32(output.width), pool.scratch[thread])
                }
            }
            }
        }
    }

    /// Pixels a thread takes at a time in a direct conv: a few chunks per row keep the threads even.
    static let directChunk = 512

    private func convolveDirectly(_ arguments: UnsafePointer<sid_conv3x3>, rows: Int, width: Int) {
        let chunks = (width + Self.directChunk - 1) / Self.directChunk
        pool.forEach(rows * chunks) { index, _ in
            let x0 = (index % chunks) * Self.directChunk
            sid_direct_conv3x3(arguments, Int32(index / chunks), Int32(x0), Int32(min(Self.directChunk, width - x0)))
        }
    }

    private func convolveByWinograd(_ arguments: UnsafePointer<sid_conv3x3>, _ conv: UNet.Convolution,
                                    _ kernel: WinogradKernel, tiles: Int) {
        // Narrow convs split the unit's tiles over the threads, in chunks whose transforms stay in L2.
        // Wide ones (levels 4-5) have filters of 10-38 MB that no cache keeps between units: there
        // each thread takes every tile and a share of the output channels, so the filters are read
        // once per unit rather than once per chunk.
        let splitChannels = pool.threads > 1 && conv.filters.count * 4 >= Self.wideFilterBytes
        // Shares are whole 32-channel panels of the filters; with more threads than panels some sit out.
        let panels = (conv.outChannels + 31) / 32, shares = splitChannels ? pool.threads : 1
        let partChannels = 32 * ((panels + shares - 1) / shares)
        let parts = (conv.outChannels + partChannels - 1) / partChannels
        let perTile = kernel.scratchFloats(Int32(conv.inChannels), Int32(min(partChannels, conv.outChannels)), 1)
        let chunk: Int
        if splitChannels {
            chunk = max(1, min(tiles, pool.scratchCount / perTile))
        } else {
            // As few chunks as fit the budget, in a multiple of the threads and all of one size: each thread
            // takes the same number of tiles (3 chunks of 227, 227 and 78 tiles keep one thread 35% longer).
            let most = max(1, Self.scratchBudget / perTile)
            let rounds = ((tiles + most - 1) / most + pool.threads - 1) / pool.threads
            chunk = max(1, (tiles + rounds * pool.threads - 1) / (rounds * pool.threads))
        }
        let chunks = (tiles + chunk - 1) / chunk
        pool.forEach(chunks * parts) { index, thread in
            let first = (index / parts) * chunk
            let firstChannel = (index % parts) * partChannels
            let count = Int32(min(chunk, tiles - first))
            let outputs = Int32(min(partChannels, conv.outChannels - firstChannel))
            kernel.convolve(arguments, Int32(first), count, Int32(firstChannel), outputs, pool.scratch[thread])
        }
    }

    /// conv10 (1x1) + pixel shuffle + clip/quantise for the band's core columns of these rows.
    private func writeOutput(rows: Range<Int>, graph: StreamGraph, ringRows: [Int], image: Image) {
        let conv = model.output
        let scale = model.architecture.scale
        let features = graph.tensors[graph.final]
        let stride = graph.rings[features.ring].channels
        let padded = UNet.padded(conv.outChannels)
        let core = (image.band.core.lowerBound - image.band.columns.lowerBound)..<(image.band.core.upperBound - image.band.columns.lowerBound)
        let chunk = min(core.count, pool.scratchCount / padded)
        let chunks = (core.count + chunk - 1) / chunk
        let rowStride = scale * image.width * 3
        let output = image.output
        conv.weights.withUnsafeBufferPointer { weights in
        conv.bias.withUnsafeBufferPointer { bias in
            pool.forEach(rows.count * chunks) { index, thread in
                let y = rows.lowerBound + index / chunks
                let x0 = core.lowerBound + (index % chunks) * chunk
                let count = min(chunk, core.upperBound - x0)
                guard let source = row(features, y, graph, ringRows) else { return }
                let products = pool.scratch[thread]
                sid_gemm(Int32(count), Int32(padded), Int32(conv.inChannels), source + x0 * stride, Int32(stride),
                         weights.baseAddress, Int32(padded), products, Int32(padded))
                let x = image.band.columns.lowerBound + x0
                sid_store_shuffled(products, Int32(count), Int32(padded), bias.baseAddress, Int32(scale),
                                   output.kind, output.address, rowStride, scale * y * rowStride + scale * x * 3)
            }
        }
        }
        // Rows are final once the last (rightmost) band has written them.
        if case let .reporting(_, rowsFinished) = output, image.band.core.upperBound == image.width {
            rowsFinished(scale * rows.upperBound)
        }
    }
}
