/// Seconds spent in each stage of one enhancement.
public struct StageTimings: Sendable, Equatable, Codable {
    public var decode: Double = 0
    public var pack: Double = 0
    public var forward: Double = 0
    public var encode: Double = 0

    public init() {}

    public var total: Double { decode + pack + forward + encode }
}
