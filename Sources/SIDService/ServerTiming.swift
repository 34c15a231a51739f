import SIDEngine

/// The Server-Timing header value of an enhancement, in milliseconds: queue, decode, pack, forward, encode.
struct ServerTiming: Equatable {
    let queueSeconds: Double
    let timings: StageTimings

    var headerValue: String {
        [("queue", queueSeconds), ("decode", timings.decode), ("pack", timings.pack), ("forward", timings.forward),
         ("encode", timings.encode)]
            .map { name, seconds in "\(name);dur=\(Self.milliseconds(seconds))" }
            .joined(separator: ", ")
    }

    /// Milliseconds with one decimal, never in exponent notation.
    static func milliseconds(_ seconds: Double) -> String {
        let tenths = Int((max(seconds, 0) * 10_000).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
