import Foundation

/// Wall time spent per layer, accumulated over tiles and runs, for `sid bench`.
public final class LayerTimings {
    public private(set) var seconds: [String: Double] = [:]
    /// Layer names in the order they first ran.
    public private(set) var order: [String] = []

    public init() {}

    func measure(_ layer: String, _ work: () -> Void) {
        let start = DispatchTime.now().uptimeNanoseconds
        work()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if seconds[layer] == nil { order.append(layer) }
        seconds[layer, default: 0] += elapsed
    }
}
