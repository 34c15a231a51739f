import HTTPTypes
import SIDEngine
import SIDHTTP

/// A POST /v1/enhance request taken apart: the raw file's bytes and the engine options.
struct EnhanceUpload {
    /// The raw file: the whole body, or the file part of a form (a slice, not a copy).
    let raw: ArraySlice<UInt8>
    let options: EnhanceOptions

    /// Reads the query and the body (raw bytes, or multipart/form-data with a `file` field and text fields).
    init(request: HTTPRequestMessage, models: [String]) throws {
        var parameters = EnhanceParameters()
        try parameters.set(QueryParameters(target: request.head.path ?? ""), models: models)
        let contentType = request.head.headerFields[.contentType]
        switch UploadKind(contentType: contentType) {
        case let .notRaw(mediaType):
            throw ServiceError.unsupportedMediaType(Self.notRawSentence(mediaType))
        case .raw:
            guard !request.body.isEmpty else {
                throw ServiceError.badRequest("the request body is empty: send the raw file as the body "
                    + "(curl --data-binary @photo.ARW) or as the form field \"file\" (curl -F file=@photo.ARW)")
            }
            raw = request.body[...]
        case .multipart:
            let form: MultipartFormData
            do {
                form = try MultipartFormData(body: request.body, contentType: contentType ?? "")
            } catch {
                throw ServiceError.badRequest("the multipart/form-data body cannot be read: \(error)")
            }
            let filePart = form.part(named: "file") ?? form.parts.first { $0.filename != nil }
            guard let filePart else {
                throw ServiceError.badRequest("the form has no file: send the raw file as the field \"file\" (curl -F file=@photo.ARW)")
            }
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
            raw = filePart.body
        }
        options = parameters.options
    }

    static func notRawSentence(_ mediaType: String) -> String {
        "the upload is \(mediaType), not a camera raw file: send the raw itself (ARW, DNG, NEF, CR2, RAF, ...) "
            + "as application/octet-stream or as a multipart/form-data file"
    }
}
