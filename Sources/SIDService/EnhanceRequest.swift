import Foundation
import HTTPTypes
import SIDEngine
import SIDHTTP
import SIDRaw

/// A POST /v1/enhance request, parsed once from its head (query parameters, upload kind) and completed by
/// its body (the raw file and any form fields).
struct EnhanceRequest {
    /// The parameters from the query; a multipart body may add more.
    private(set) var parameters = EnhanceParameters()
    let uploadKind: UploadKind
    private let contentType: String

    /// Reads the query and the Content-Type; refuses a bad parameter (400) or a body that is clearly no raw (415).
    init(head: HTTPRequest, models: [String]) throws {
        try parameters.set(QueryParameters(target: head.path ?? ""), models: models)
        contentType = head.headerFields[.contentType] ?? ""
        uploadKind = UploadKind(contentType: contentType)
        if case let .notRaw(mediaType) = uploadKind {
            throw ServiceError.unsupportedMediaType(Self.notRawSentence(mediaType))
        }
    }

    /// The raw file (the whole body, or the file part of a form: a slice, not a copy) and the engine options,
    /// with the form's text fields added to the query's parameters.
    func upload(body: [UInt8], models: [String]) throws -> (raw: ArraySlice<UInt8>, options: EnhanceOptions) {
        guard uploadKind == .multipart else {
            guard !body.isEmpty else {
                throw ServiceError.badRequest("the request body is empty: send the raw file as the body "
                    + "(curl --data-binary @photo.ARW) or as the form field \"file\" (curl -F file=@photo.ARW)")
            }
            return (body[...], parameters.options)
        }
        let form: MultipartFormData
        do {
            form = try MultipartFormData(body: body, contentType: contentType)
        } catch {
            throw ServiceError.badRequest("the multipart/form-data body cannot be read: \(error)")
        }
        let filePart = form.part(named: "file") ?? form.parts.first { $0.filename != nil }
        guard let filePart else {
            throw ServiceError.badRequest("the form has no file: send the raw file as the field \"file\" (curl -F file=@photo.ARW)")
        }
        var parameters = parameters
        for part in form.parts where part.name != filePart.name {
            guard part.filename == nil else {
                throw ServiceError.badRequest("the form holds more than one file; send one raw file per request")
            }
            try parameters.set(part.name, to: String(decoding: part.body, as: UTF8.self), models: models)
        }
        if case let .notRaw(mediaType) = UploadKind(contentType: filePart.contentType) {
            throw ServiceError.unsupportedMediaType(Self.notRawSentence(mediaType))
        }
        guard !filePart.body.isEmpty else {
            throw ServiceError.badRequest("the form's file \"\(filePart.filename ?? filePart.name)\" is empty")
        }
        return (filePart.body, parameters.options)
    }

    static func notRawSentence(_ mediaType: String) -> String {
        "the upload is \(mediaType), not a camera raw file: send the raw itself (ARW, DNG, NEF, CR2, RAF, ...) "
            + "as application/octet-stream or as a multipart/form-data file"
    }
}

/// What an upload's Content-Type says about its body, before a byte of it is read.
enum UploadKind: Equatable {
    /// The body is the raw file itself (or may be: LibRaw decides).
    case raw
    /// multipart/form-data with the raw in a file field.
    case multipart
    /// A type no camera raw is sent as: refused with 415 before the body is read.
    case notRaw(mediaType: String)

    /// No Content-Type, application/octet-stream, image/x-sony-arw and the like are raws. So is
    /// application/x-www-form-urlencoded: it is what `curl --data-binary @photo.ARW` sends when no -H is given.
    init(contentType: String?) {
        let mediaType = (contentType ?? "").prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased()
        if mediaType == "multipart/form-data" {
            self = .multipart
        } else if Self.isClearlyNotRaw(mediaType) {
            self = .notRaw(mediaType: mediaType)
        } else {
            self = .raw
        }
    }

    private static let notRawTypes: Set<String> = [
        "application/json", "application/xml", "application/javascript", "application/pdf", "application/zip",
        "application/gzip", "application/x-tar", "application/x-ndjson",
        "image/png", "image/jpeg", "image/jpg", "image/pjpeg", "image/gif", "image/webp", "image/avif", "image/heic",
        "image/heif", "image/bmp", "image/svg+xml", "image/jxl", "image/vnd.microsoft.icon", "image/x-icon",
    ]
    private static let notRawFamilies = ["text/", "audio/", "video/", "font/", "multipart/", "message/", "model/"]

    private static func isClearlyNotRaw(_ mediaType: String) -> Bool {
        notRawTypes.contains(mediaType) || notRawFamilies.contains { mediaType.hasPrefix($0) }
            || mediaType.hasSuffix("+json") || mediaType.hasSuffix("+xml")
    }
}

/// The `name=value&...` pairs of a request target's query, percent-decoded (`+` read as a space).
struct QueryParameters: Equatable {
    /// Pairs in the order sent.
    let pairs: [(name: String, value: String)]

    /// Parses the part of `target` after the first `?`; a pair that is not valid percent-encoded UTF-8 is an error.
    init(target: String) throws {
        guard let mark = target.firstIndex(of: "?") else {
            pairs = []
            return
        }
        var pairs: [(name: String, value: String)] = []
        for piece in target[target.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: true) {
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), let value = Self.decode(parts.count > 1 ? parts[1] : "") else {
                throw ServiceError.badRequest("the query parameter \"\(piece.prefix(60))\" is not valid percent-encoded UTF-8")
            }
            pairs.append((name, value))
        }
        self.pairs = pairs
    }

    /// The path without the query.
    static func path(of target: String) -> String {
        String(target.prefix { $0 != "?" })
    }

    static func == (lhs: QueryParameters, rhs: QueryParameters) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.name == $1.name && $0.value == $1.value }
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}

/// The parameters of POST /v1/enhance (ratio, bits, model, orientation, metadata), from the query and from form fields.
struct EnhanceParameters: Equatable {
    static let names: Set<String> = ["ratio", "bits", "model", "orientation", "metadata"]

    private(set) var ratio: ExposureRatio = .auto
    private(set) var bits = 8
    private(set) var model: String?
    private(set) var geometry: OutputGeometry = .upright
    private(set) var metadata: MetadataPolicy = .keep
    private var given: Set<String> = []

    /// The options for the engine; an omitted ratio means `auto`.
    var options: EnhanceOptions {
        EnhanceOptions(ratio: ratio, bits: bits, model: model, geometry: geometry, metadata: metadata)
    }

    /// Takes one parameter; `models` are the names a request may ask for.
    mutating func set(_ name: String, to value: String, models: [String]) throws {
        guard Self.names.contains(name) else {
            throw ServiceError.badRequest("unknown parameter \"\(name.prefix(40))\": the parameters are ratio, bits, model, orientation and metadata")
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
        case "orientation":
            guard let choice = OutputGeometry(rawValue: value.trimmingCharacters(in: .whitespaces)) else {
                throw ServiceError.badRequest("orientation must be \(OutputGeometry.choices), not \"\(value.prefix(40))\"")
            }
            geometry = choice
        case "metadata":
            guard let choice = MetadataPolicy(rawValue: value.trimmingCharacters(in: .whitespaces)) else {
                throw ServiceError.badRequest("metadata must be \(MetadataPolicy.choices), not \"\(value.prefix(40))\"")
            }
            metadata = choice
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
