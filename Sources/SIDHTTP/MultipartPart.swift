import HTTPTypes

/// One part of a multipart/form-data body.
public struct MultipartPart: Sendable {
    /// All header fields of the part.
    public var headerFields: HTTPFields
    /// The form field name from Content-Disposition.
    public var name: String
    /// The file name from Content-Disposition (filename* preferred), if the part is a file.
    public var filename: String?
    /// The part's Content-Type, if it declared one.
    public var contentType: String?
    /// The part's content: a slice of the request body, not a copy.
    public var body: ArraySlice<UInt8>
}
