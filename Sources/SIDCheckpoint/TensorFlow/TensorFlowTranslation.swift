/// Turns the SID authors' TensorFlow variables into the PyTorch port's state dict (names, layouts, channel order).
///
/// - `g_convN_M/weights` [kh, kw, in, out] become `convN_M.weight` [out, in, kh, kw]; `biases` become `.bias`.
/// - `g_conv10` becomes `conv10_1`, with its output channels reordered: TensorFlow's depth_to_space reads
///   channel (r*i + j)*3 + c for colour c at sub-pixel (i, j), PyTorch's pixel_shuffle reads r*r*c + r*i + j.
/// - `Variable` ... `Variable_3` (conv2d_transpose filters [kh, kw, out, in]) become `upv6` ... `upv9.weight`
///   [in, out, kh, kw]. Both frameworks apply the filter unflipped, so only the axes move. The TensorFlow model
///   has no up-convolution biases; zeros stand in for them.
/// - Adam slots and beta powers are training state and are skipped.
enum TensorFlowTranslation {
    struct Result {
        let tensors: [NamedTensor]
        /// Names of tensors that are not in the checkpoint and were written as zeros.
        let zeroFilled: [String]
    }

    static let upconvolutionNames = ["Variable": "upv6", "Variable_1": "upv7", "Variable_2": "upv8", "Variable_3": "upv9"]

    static func stateDict(from bundle: TensorBundle) throws -> Result {
        var tensors: [NamedTensor] = []
        var unknown: [String] = []
        for entry in bundle.entries where !isTrainingState(entry.name) {
            if let upconvolution = upconvolutionNames[entry.name] {
                tensors.append(try upconvolutionWeight(entry, values: try bundle.floats(of: entry), name: upconvolution))
                continue
            }
            guard entry.name.hasPrefix("g_conv") else {
                unknown.append(entry.name)
                continue
            }
            let parts = entry.name.dropFirst("g_".count).split(separator: "/")
            guard parts.count == 2, parts[1] == "weights" || parts[1] == "biases" else {
                unknown.append(entry.name)
                continue
            }
            let layer = parts[0] == "conv10" ? "conv10_1" : String(parts[0])
            let values = try bundle.floats(of: entry)
            if parts[1] == "weights" {
                tensors.append(try convolutionWeight(entry, values: values, name: layer + ".weight"))
            } else {
                tensors.append(try bias(entry, values: values, name: layer + ".bias", isLastLayer: layer == "conv10_1"))
            }
        }
        guard unknown.isEmpty else {
            throw CheckpointError.architectureMismatch(
                ["the TensorFlow checkpoint has variables no SID layer uses: " + unknown.joined(separator: ", ")])
        }
        var zeroFilled: [String] = []
        for tensor in tensors where tensor.name.hasPrefix("upv") && tensor.name.hasSuffix(".weight") {
            let name = tensor.name.replacingOccurrences(of: ".weight", with: ".bias")
            guard !tensors.contains(where: { $0.name == name }) else { continue }
            tensors.append(NamedTensor(name: name, shape: [tensor.shape[1]], values: .init(repeating: 0, count: tensor.shape[1])))
            zeroFilled.append(name)
        }
        return Result(tensors: tensors, zeroFilled: zeroFilled)
    }

    /// Optimizer state saved next to the model: Adam moments and the beta-power accumulators.
    static func isTrainingState(_ name: String) -> Bool {
        name.hasSuffix("/Adam") || name.hasSuffix("/Adam_1") || name == "beta1_power" || name == "beta2_power"
            || name == "global_step"
    }

    /// [kh, kw, in, out] -> [out', in, kh, kw], where out' is out in pixel-shuffle order for the last layer.
    private static func convolutionWeight(_ entry: TensorBundleEntry, values: [Float], name: String) throws -> NamedTensor {
        guard entry.shape.count == 4 else { throw rankError(entry, expected: 4) }
        let (height, width, inputs, outputs) = (entry.shape[0], entry.shape[1], entry.shape[2], entry.shape[3])
        let order = name == "conv10_1.weight" ? try pixelShuffleOrder(channels: outputs, tensor: entry.name) : Array(0 ..< outputs)
        var result = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for output in 0 ..< outputs {
                    let sourceOutput = order[output]
                    for input in 0 ..< inputs {
                        for y in 0 ..< height {
                            for x in 0 ..< width {
                                target[((output * inputs + input) * height + y) * width + x] =
                                    source[((y * width + x) * inputs + input) * outputs + sourceOutput]
                            }
                        }
                    }
                }
            }
        }
        return NamedTensor(name: name, shape: [outputs, inputs, height, width], values: result)
    }

    /// [kh, kw, out, in] -> [in, out, kh, kw].
    private static func upconvolutionWeight(_ entry: TensorBundleEntry, values: [Float], name: String) throws -> NamedTensor {
        guard entry.shape.count == 4 else { throw rankError(entry, expected: 4) }
        let (height, width, outputs, inputs) = (entry.shape[0], entry.shape[1], entry.shape[2], entry.shape[3])
        var result = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for input in 0 ..< inputs {
                    for output in 0 ..< outputs {
                        for y in 0 ..< height {
                            for x in 0 ..< width {
                                target[((input * outputs + output) * height + y) * width + x] =
                                    source[((y * width + x) * outputs + output) * inputs + input]
                            }
                        }
                    }
                }
            }
        }
        return NamedTensor(name: name + ".weight", shape: [inputs, outputs, height, width], values: result)
    }

    private static func bias(_ entry: TensorBundleEntry, values: [Float], name: String, isLastLayer: Bool) throws -> NamedTensor {
        guard entry.shape.count == 1 else { throw rankError(entry, expected: 1) }
        guard isLastLayer else { return NamedTensor(name: name, shape: entry.shape, values: values) }
        let order = try pixelShuffleOrder(channels: entry.shape[0], tensor: entry.name)
        return NamedTensor(name: name, shape: entry.shape, values: order.map { values[$0] })
    }

    /// For each PyTorch output channel p = r*r*c + r*i + j, the TensorFlow channel (r*i + j)*3 + c it takes.
    static func pixelShuffleOrder(channels: Int, tensor: String) throws -> [Int] {
        guard let scale = (1 ... 8).first(where: { 3 * $0 * $0 == channels }) else {
            throw CheckpointError.architectureMismatch(
                ["\(tensor) has \(channels) output channels, which is not 3 colours times a square scale"])
        }
        var order = [Int](repeating: 0, count: channels)
        for colour in 0 ..< 3 {
            for i in 0 ..< scale {
                for j in 0 ..< scale {
                    order[scale * scale * colour + scale * i + j] = (scale * i + j) * 3 + colour
                }
            }
        }
        return order
    }

    private static func rankError(_ entry: TensorBundleEntry, expected: Int) -> CheckpointError {
        .architectureMismatch(["\(entry.name) has shape \(entry.shape), expected \(expected) dimensions"])
    }
}
