import Foundation
import HTTPTypes
import SIDEngine
import SIDHTTP
import SIDImage
import SIDRaw

/// A POST /v1/enhance request, parsed once from its head (query parameters, upload kind) and completed by
/// its body (the raw file and any form fields).
struct EnhanceRequest {
    /// The parameters from the query; a multipart body may add more.
    private(set) var parameters = EnhanceParameters()
    let uploadKind: UploadKind
    private let contentType: String
    private let accept: String?

    /// Reads the query, Accept and the Content-Type; refuses a bad parameter (400), a format the client does not
    /// accept (406) or a body that is clearly no raw (415).
    init(head: HTTPRequest, models: [String]) throws {
        try parameters.set(QueryParameters(target: head.path ?? ""), models: models)
        contentType = head.headerFields[.contentType] ?? ""
        accept = head.headerFields[.accept]
        uploadKind = UploadKind(contentType: contentType)
        if case let .notRaw(mediaType) = uploadKind {
            throw ServiceError.unsupportedMediaType(Self.notRawSentence(mediaType))
        }
        // Answered before the upload unless a form may still name the format.
        if uploadKind != .multipart || parameters.format != nil {
            _ = try parameters.options(accept: accept)
        }
    }

    /// The raw file (the whole body, or the file part of a form: a slice, not a copy) and the engine options,
    /// with the form's text fields added to the query's parameters. `ignored` gets the names of the parameters
    /// ignored, query and form, even when the upload is refused: the error answer lists them too.
    func upload(body: [UInt8], models: [String], ignored: inout [String]) throws -> (raw: ArraySlice<UInt8>, options: EnhanceOptions) {
        ignored = parameters.ignored
        guard uploadKind == .multipart else {
            guard !body.isEmpty else {
                throw ServiceError.badRequest("the request body is empty: send the raw file as the body "
                    + "(curl --data-binary @photo.ARW) or as the form field \"file\" (curl -F file=@photo.ARW)")
            }
            return (body[...], try parameters.options(accept: accept))
        }
        let form: MultipartFormData
        do {
            form = try MultipartFormData(body: body, contentType: contentType)
        } catch {
            throw ServiceError.badRequest("the multipart/form-data body cannot be read: \(error)")
        }
        // Exactly one file: the part named "file", else the one part with a filename. Any second candidate is
        // refused rather than silently dropped.
        let candidates = form.parts.indices.filter { form.parts[$0].name == "file" || form.parts[$0].filename != nil }
        guard let fileIndex = candidates.first else {
            throw ServiceError.badRequest("the form has no file: send the raw file as the field \"file\" (curl -F file=@photo.ARW)")
        }
        guard candidates.count == 1 else {
            let names = candidates.map { "\"\(form.parts[$0].name.prefix(40))\"" }.joined(separator: ", ")
            throw ServiceError.badRequest("the form holds \(candidates.count) file parts (\(names)); send exactly one "
                + "raw file per request, as the field \"file\"")
        }
        let filePart = form.parts[fileIndex]
        var parameters = parameters
        defer { ignored = parameters.ignored }
        for (index, part) in form.parts.enumerated() where index != fileIndex {
            try parameters.set(part.name, to: String(decoding: part.body, as: UTF8.self), models: models)
        }
        if case let .notRaw(mediaType) = UploadKind(contentType: filePart.contentType) {
            throw ServiceError.unsupportedMediaType(Self.notRawSentence(mediaType))
        }
        guard !filePart.body.isEmpty else {
            throw ServiceError.badRequest("the form's file \"\(filePart.filename ?? filePart.name)\" is empty")
        }
        return (filePart.body, try parameters.options(accept: accept))
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

/// The parameters of POST /v1/enhance (ratio, bits, model, orientation, metadata, format, quality), from the query
/// and from form fields. Names it does not know are ignored and kept for the X-SID-Ignored-Parameters header: a
/// proxy that adds its own token to the query must not break the request.
struct EnhanceParameters: Equatable {
    static let names: Set<String> = ["ratio", "bits", "model", "orientation", "metadata", "format", "quality"]

    private(set) var ratio: ExposureRatio = .auto
    /// nil: the format's default (8 for PNG and JPEG, 16 for TIFF).
    private(set) var bits: Int?
    private(set) var model: String?
    private(set) var geometry: OutputGeometry = .upright
    private(set) var metadata: MetadataPolicy = .keep
    /// The `format=` value as given; nil lets Accept decide.
    private(set) var format: String?
    private(set) var quality: Int?
    /// Unknown names, in the order first seen.
    private(set) var ignored: [String] = []
    private var given: Set<String> = []

    /// The options for the engine with the format `format=` or `accept` asks for; an omitted ratio means `auto`.
    func options(accept: String?) throws -> EnhanceOptions {
        let chosen = try OutputNegotiation.format(parameter: format, accept: accept)
        let depth = bits ?? chosen.bitDepths[0]
        guard chosen.bitDepths.contains(depth) else {
            throw ServiceError.badRequest("\(chosen.name) holds \(chosen.bitDepths.map(String.init).joined(separator: " or ")) "
                + "bits per sample, not \(depth): drop bits or ask for PNG or TIFF")
        }
        if quality != nil, chosen != .jpeg {
            throw ServiceError.badRequest("quality applies to JPEG output only; this request asks for \(chosen.name)")
        }
        return EnhanceOptions(ratio: ratio, bits: depth, model: model, geometry: geometry, metadata: metadata,
                              format: chosen, quality: quality ?? JPEGEncoder.defaultQuality)
    }

    /// Takes one parameter; `models` are the names a request may ask for.
    mutating func set(_ name: String, to value: String, models: [String]) throws {
        guard Self.names.contains(name) else {
            ignore(name)
            return
        }
        guard given.insert(name).inserted else {
            throw ServiceError.badRequest("the parameter \(name) is given more than once")
        }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        switch name {
        case "ratio":
            do {
                ratio = try ExposureRatio.parse(value)
            } catch {
                throw ServiceError.badRequest("\(error)")
            }
        case "bits":
            guard let number = Int(trimmed), number == 8 || number == 16 else {
                throw ServiceError.badRequest("bits must be 8 or 16, not \"\(value.prefix(40))\"")
            }
            bits = number
        case "format":
            guard ImageFormat(name: trimmed) != nil else {
                throw ServiceError.badRequest("format must be \(OutputNegotiation.names), not \"\(value.prefix(40))\"")
            }
            format = trimmed
        case "quality":
            guard let number = Int(trimmed), (1...100).contains(number) else {
                throw ServiceError.badRequest("quality must be a whole number from 1 to 100, not \"\(value.prefix(40))\"")
            }
            quality = number
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
            guard models.contains(trimmed) else {
                throw ServiceError.badRequest("unknown model \"\(trimmed.prefix(40))\": this service has \(models.joined(separator: ", "))")
            }
            model = trimmed
        }
    }

    /// Takes every pair of a query.
    /// The names in `target`'s query that the service does not know, as X-SID-Ignored-Parameters lists them; read
    /// from the head before anything else is checked, so that every answer to the request can carry them.
    static func unknownNames(in target: String) -> [String] {
        guard let query = try? QueryParameters(target: target) else { return [] }
        var parameters = EnhanceParameters()
        for (name, _) in query.pairs where !names.contains(name) { parameters.ignore(name) }
        return parameters.ignored
    }

    private mutating func ignore(_ name: String) {
        // Bounded, printable: the names go back in a header and into the log.
        let shown = String(name.unicodeScalars.filter { (0x21...0x7E).contains($0.value) && $0 != "," }.prefix(40))
        if !shown.isEmpty, !ignored.contains(shown), ignored.count < 16 { ignored.append(shown) }
    }

    mutating func set(_ query: QueryParameters, models: [String]) throws {
        for (name, value) in query.pairs { try set(name, to: value, models: models) }
    }
}
