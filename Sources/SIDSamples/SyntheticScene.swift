import Foundation
import SIDRaw

/// A deterministic dark raw for demos (`sid sample`): a seeded scene shot at a low exposure with sensor noise.
///
/// The scene has smooth coloured gradients, seeded discs and rectangles, a neutral grey ladder across the top and
/// bars of rising frequency along the bottom, so structure and colour are visible once brightened. Its noiseless
/// mean normalised level is `meanLevel`. Noise follows ELD's calibration of the Sony A7S II
/// (camera_metadata/eld_SonyA7S2_noise_params.npy, simplified): system gain K = 0.0939 DN/e- x ISO/100 within
/// [0.0939, 6.01], Poisson shot noise (normal approximation, variance K x signal), Gaussian read noise with
/// log(sigma) = 0.462 log K + 0.566 and per-row noise with log(sigma) = 0.528 log K - 0.592, in 14-bit DN.
/// Levels are black 512 and white 16383 on an RGGB mosaic, 0.1 s at ISO 3200. `fujiXTrans` shoots the same kind of
/// scene on the SID Fuji camera: a Fujifilm X-T2 X-Trans mosaic at the X-T2's phase, black 1024, white 16383, with
/// the same noise model (no noise calibration of the X-T2 is at hand).
public struct SyntheticScene: Sendable {
    public static let sideRange = 32 ... 8192

    public let seed: UInt64
    public let width: Int
    public let height: Int
    /// Mean normalised level of the noiseless signal, (0, 0.5].
    public let meanLevel: Double
    public let make: String
    public let model: String
    /// The colour filter the scene is shot through: RGGB, or X-Trans for `fujiXTrans`.
    public let sensor: MosaicPattern

    static let whiteLevel: Float = 16383
    static let exposureTime = 0.1
    static let iso = 3200.0
    static let cfa = CFAPattern.rggb

    /// A scene on a Bayer (RGGB) sensor with the Sony A7S II's levels.
    public init(seed: UInt64 = 1, width: Int = 1424, height: Int = 1064, meanLevel: Double = 0.005,
                make: String = "Sony", model: String = "ILCE-7SM2") {
        self.init(seed: seed, width: width, height: height, meanLevel: meanLevel, make: make, model: model,
                  sensor: .bayer(Self.cfa))
    }

    init(seed: UInt64, width: Int, height: Int, meanLevel: Double, make: String, model: String,
         sensor: MosaicPattern) {
        self.seed = seed
        self.width = width
        self.height = height
        self.meanLevel = meanLevel
        self.make = make
        self.model = model
        self.sensor = sensor
    }

    /// A scene on the SID Fuji camera, a Fujifilm X-T2: X-Trans at the X-T2's phase, black 1024, white 16383.
    /// The default size is whole 6x6 blocks, so nothing is cropped when packing.
    public static func fujiXTrans(seed: UInt64 = 1, width: Int = 1422, height: Int = 1062,
                                  meanLevel: Double = 0.005) -> SyntheticScene {
        SyntheticScene(seed: seed, width: width, height: height, meanLevel: meanLevel, make: "FUJIFILM", model: "X-T2",
                       sensor: .xTrans(.sidFuji))
    }

    /// Black level of the camera the scene imitates: the A7S II's 512 for Bayer, the X-T2's 1024 for X-Trans.
    var blackLevel: Float {
        switch sensor {
        case .bayer: return 512
        case .xTrans: return 1024
        }
    }

    /// The scene as an uncompressed DNG.
    public func makeDNG() throws -> Data {
        let pixels = try mosaic()
        switch sensor {
        case let .bayer(cfa):
            return try DNGWriter.write(
                width: width, height: height, cfa: cfa, blackLevels: Array(repeating: blackLevel, count: 4),
                whiteLevel: Self.whiteLevel, pixels: pixels, make: make, model: model,
                exposureTime: Self.exposureTime, iso: Self.iso)
        case let .xTrans(pattern):
            return try DNGWriter.write(
                width: width, height: height, xTrans: pattern, blackLevel: blackLevel, whiteLevel: Self.whiteLevel,
                pixels: pixels, make: make, model: model, exposureTime: Self.exposureTime, iso: Self.iso)
        }
    }

    /// The noisy mosaic in DN, row-major.
    func mosaic() throws -> [UInt16] {
        guard Self.sideRange.contains(width), Self.sideRange.contains(height) else {
            throw SyntheticSceneError.invalidSize(width: width, height: height)
        }
        guard meanLevel.isFinite, meanLevel > 0, meanLevel <= 0.5 else {
            throw SyntheticSceneError.invalidMeanLevel(meanLevel)
        }
        var generator = SeededGenerator(seed: seed)
        let scene = Scene(width: width, height: height, generator: &generator)
        let signal = scene.cameraSignal(sensor)
        let meanSignal = signal.reduce(0.0) { $0 + Double($1) } / Double(signal.count)
        let scale = meanLevel / max(meanSignal, 1e-9)

        let range = Double(Self.whiteLevel - blackLevel)
        let gain = min(max(0.0939 * Self.iso / 100, 0.0939), 6.01)
        let readVariance = pow(exp(0.462 * log(gain) + 0.566), 2)
        let rowSigma = exp(0.528 * log(gain) - 0.592)
        let black = Double(blackLevel), white = Double(Self.whiteLevel)
        return [UInt16](unsafeUninitializedCapacity: width * height) { buffer, count in
            for row in 0 ..< height {
                let rowOffset = rowSigma * generator.nextNormal()
                for col in 0 ..< width {
                    let index = row * width + col
                    let expected = Double(signal[index]) * scale * range
                    let sigma = (gain * expected + readVariance).squareRoot()
                    let value = black + expected + rowOffset + sigma * generator.nextNormal()
                    buffer[index] = UInt16(min(max(value.rounded(), 0), white))
                }
            }
            count = width * height
        }
    }

    /// Scene geometry drawn from the seed; colours are white-balanced RGB reflectances in [0, 1].
    private struct Scene {
        struct Shape {
            let isDisc: Bool
            let centreX, centreY, halfWidth, halfHeight: Double
            let colour: (Double, Double, Double)
        }

        let width: Int
        let height: Int
        let columnWaves: [(Double, Double, Double)]
        let rowWaves: [(Double, Double, Double)]
        let shapes: [Shape]

        init(width: Int, height: Int, generator: inout SeededGenerator) {
            self.width = width
            self.height = height
            var phases: [Double] = []
            for _ in 0 ..< 6 { phases.append(2 * Double.pi * generator.nextUnit()) }
            let frequency = 1 + generator.nextUnit()
            columnWaves = (0 ..< width).map { col in
                let x = Double(col) / Double(width)
                return (0.12 * sin(2 * .pi * frequency * x + phases[0]), 0.08 * sin(2 * .pi * x + phases[1]),
                        0.12 * cos(2 * .pi * frequency * x + phases[2]))
            }
            rowWaves = (0 ..< height).map { row in
                let y = Double(row) / Double(height)
                return (0.08 * cos(2 * .pi * y + phases[3]), 0.12 * sin(2 * .pi * frequency * y + phases[4]),
                        0.08 * sin(2 * .pi * y + phases[5]))
            }
            var shapes: [Shape] = []
            let hueStart = generator.nextUnit()
            for index in 0 ..< 10 {
                let size = Double(min(width, height)) * (0.06 + 0.1 * generator.nextUnit())
                // Golden-ratio hue steps keep the colours apart whatever the seed.
                let hue = (hueStart + Double(index) * 0.618_033_988_75).truncatingRemainder(dividingBy: 1)
                let brightness = 0.35 + 0.6 * generator.nextUnit()
                shapes.append(Shape(
                    isDisc: index % 2 == 0,
                    centreX: Double(width) * (0.1 + 0.8 * generator.nextUnit()),
                    centreY: Double(height) * (0.25 + 0.5 * generator.nextUnit()),
                    halfWidth: size, halfHeight: size * (0.5 + generator.nextUnit()),
                    colour: Self.saturatedColour(hue: hue, brightness: brightness)))
            }
            self.shapes = shapes
        }

        /// The noiseless camera signal: scene colour at each photosite's filter, in the camera's daylight
        /// proportions (times AsShotNeutral) so that grey renders grey with the camera white balance.
        func cameraSignal(_ sensor: MosaicPattern) -> [Float] {
            let neutral: [Double]
            let filter: (Int, Int) -> CFAPattern.Colour
            switch sensor {
            case let .bayer(cfa):
                neutral = CameraColour.sonyA7SII.asShotNeutral
                filter = cfa.colour(row:col:)
            case let .xTrans(pattern):
                neutral = CameraColour.fujiXT2.asShotNeutral
                filter = pattern.colour(row:col:)
            }
            return [Float](unsafeUninitializedCapacity: width * height) { buffer, count in
                for row in 0 ..< height {
                    for col in 0 ..< width {
                        let colour = self.colour(row: row, col: col)
                        let value: Double
                        switch filter(row, col) {
                        case .red: value = colour.0 * neutral[0]
                        case .green: value = colour.1 * neutral[1]
                        case .blue: value = colour.2 * neutral[2]
                        }
                        buffer[row * width + col] = Float(value)
                    }
                }
                count = width * height
            }
        }

        private func colour(row: Int, col: Int) -> (Double, Double, Double) {
            let x = Double(col), y = Double(row)
            let w = Double(width), h = Double(height)
            // Grey ladder across the top: six neutral steps from dark to near white.
            if y >= 0.05 * h, y < 0.15 * h, x >= 0.1 * w, x < 0.9 * w {
                let step = Int((x - 0.1 * w) / (0.8 * w) * 6)
                let grey = [0.04, 0.1, 0.2, 0.35, 0.6, 0.9][min(step, 5)]
                return (grey, grey, grey)
            }
            // Bars along the bottom, their period shrinking from 32 to 2 pixels left to right.
            if y >= 0.85 * h, y < 0.95 * h, x >= 0.05 * w, x < 0.95 * w {
                let position = (x - 0.05 * w) / (0.9 * w)
                let period = 32 * pow(1.0 / 16, position)
                let bright = (x / period).truncatingRemainder(dividingBy: 1) < 0.5
                let grey = bright ? 0.8 : 0.05
                return (grey, grey, grey)
            }
            for shape in shapes.reversed() {
                let dx = (x - shape.centreX) / shape.halfWidth, dy = (y - shape.centreY) / shape.halfHeight
                let inside = shape.isDisc ? dx * dx + dy * dy <= 1 : abs(dx) <= 1 && abs(dy) <= 1
                if inside { return shape.colour }
            }
            let columnWave = columnWaves[col], rowWave = rowWaves[row]
            let base = 0.3 + 0.15 * x / w
            return (base + columnWave.0 + rowWave.0, base + columnWave.1 + rowWave.1, base + columnWave.2 + rowWave.2)
        }

        private static func saturatedColour(hue: Double, brightness: Double) -> (Double, Double, Double) {
            func channel(_ offset: Double) -> Double {
                let distance = abs((hue + offset).truncatingRemainder(dividingBy: 1) * 6 - 3)
                return min(max(distance - 1, 0.1), 1) * brightness
            }
            return (channel(0), channel(2.0 / 3), channel(1.0 / 3))
        }
    }
}

/// Settings a synthetic scene cannot be made with.
public enum SyntheticSceneError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidSize(width: Int, height: Int)
    case invalidMeanLevel(Double)

    public var description: String {
        switch self {
        case let .invalidSize(width, height):
            return "cannot make a \(width)x\(height) sample: width and height must be between "
                + "\(SyntheticScene.sideRange.lowerBound) and \(SyntheticScene.sideRange.upperBound)"
        case let .invalidMeanLevel(level):
            return "cannot make a sample with mean level \(level): it must be greater than 0 and at most 0.5"
        }
    }
}
