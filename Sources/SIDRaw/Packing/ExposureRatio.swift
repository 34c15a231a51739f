import Foundation

/// How much to amplify a dark raw before the model: a given factor, or estimated from the image.
public enum ExposureRatio: Equatable, Sendable {
    case fixed(Float)
    case auto

    /// The largest ratio in SID's training data (0.1 s inputs for 30 s references, and 0.033 s for 10 s).
    public static let trainedMaximum: Float = 300
    /// The largest ratio accepted at all.
    public static let maximum: Float = 1000
    /// The mean normalised level `auto` aims for: about what SID's long-exposure references have.
    public static let autoTargetLevel: Double = 0.1

    /// Accepts "auto" (any case) or a finite number greater than 0 and at most 1000.
    public static func parse(_ text: String) throws -> ExposureRatio {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.lowercased() == "auto" { return .auto }
        // Decimal only: Double("0x10") is 16, which nobody typing a ratio means.
        guard trimmed.allSatisfy({ "0123456789.eE+-".contains($0) }), let number = Double(trimmed), number.isFinite
        else { throw ExposureRatioError.invalid(text) }
        // The range is checked on the number as written: rounded to Float first, 1000.00001 would pass as 1000
        // (Schemathesis found it). A positive ratio too small for a Float keeps the smallest one, which gives the
        // same black image; the X-SID-Ratio header says what was applied.
        guard number > 0, number <= Double(maximum) else { throw ExposureRatioError.invalid(text) }
        return .fixed(max(Float(number), .leastNonzeroMagnitude))
    }

    /// The `auto` rule: `clamp(0.1 / mean, 1, 300)`, bringing the mean normalised level to about 0.1 and never
    /// beyond what SID was trained on (a mean below 1e-6 counts as 1e-6, so a black frame gets 300).
    public static func estimate(for raw: RawImage) -> Float {
        let normalisedMean: Double
        switch raw.mosaic {
        case .bayer: normalisedMean = BayerPacker.normalisedMean(raw)
        case .xTrans: normalisedMean = XTransPacker.normalisedMean(raw)
        }
        let mean = max(normalisedMean, 1e-6)
        return Float(min(max(autoTargetLevel / mean, 1), Double(trainedMaximum)))
    }

    /// The factor to use for this image.
    public func value(for raw: RawImage) -> Float {
        switch self {
        case let .fixed(ratio): return ratio
        case .auto: return Self.estimate(for: raw)
        }
    }

    /// A caution for ratios beyond the training range, nil otherwise.
    public static func warning(for ratio: Float) -> String? {
        guard ratio > trainedMaximum else { return nil }
        return "SID was trained with ratios up to \(Int(trainedMaximum)); results above that are extrapolation "
            + "(ratio \(ratio))."
    }
}

/// An exposure ratio that is not "auto" or a number in (0, 1000].
public enum ExposureRatioError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalid(String)

    public var description: String {
        switch self {
        case let .invalid(text):
            let shown = text.count > 40 ? String(text.prefix(40)) + "..." : text
            return "invalid exposure ratio \"\(shown)\": use \"auto\" or a number greater than 0 and at most "
                + "\(Int(ExposureRatio.maximum))"
        }
    }
}
