import Foundation
import SIDEngine
import SIDRaw

/// The parameters of POST /v1/enhance (ratio, bits, model), from the query and from form fields.
struct EnhanceParameters: Equatable {
    static let names: Set<String> = ["ratio", "bits", "model"]

    private(set) var ratio: ExposureRatio = .auto
    private(set) var bits = 8
    private(set) var model: String?
    private var given: Set<String> = []

    /// The options for the engine; an omitted ratio means `auto`.
    var options: EnhanceOptions { EnhanceOptions(ratio: ratio, bits: bits, model: model) }

    /// Takes one parameter; `models` are the names a request may ask for.
    mutating func set(_ name: String, to value: String, models: [String]) throws {
        guard Self.names.contains(name) else {
            throw ServiceError.badRequest("unknown parameter \"\(name.prefix(40))\": the parameters are ratio, bits and model")
        }
        guard given.insert(name).inserted else {
            throw ServiceError.badRequest("the parameter \(name) is given more than once")
        }
        switch name {
        case "ratio":
            do {
                ratio = try ExposureRatio.parse(value)
            } catch {
                throw ServiceError.badRequest("\(error)")
            }
        case "bits":
            guard let number = Int(value.trimmingCharacters(in: .whitespaces)), number == 8 || number == 16 else {
                throw ServiceError.badRequest("bits must be 8 or 16, not \"\(value.prefix(40))\"")
            }
            bits = number
        default:
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            guard models.contains(trimmed) else {
                throw ServiceError.badRequest("unknown model \"\(trimmed.prefix(40))\": this service has \(models.joined(separator: ", "))")
            }
            model = trimmed
        }
    }

    /// Takes every pair of a query.
    mutating func set(_ query: QueryParameters, models: [String]) throws {
        for (name, value) in query.pairs { try set(name, to: value, models: models) }
    }
}
