import Foundation

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
