/// Why a multipart/form-data body could not be parsed.
public enum MultipartError: Error, Equatable, CustomStringConvertible {
    case notMultipartFormData(contentType: String)
    case missingBoundary
    case invalidBoundary(String)
    case missingFirstBoundary
    case missingFinalBoundary
    case malformedDelimiterLine
    case malformedPartHeaders(String)
    case partHeadersTooLarge(limit: Int)
    case tooManyParts(limit: Int)
    case missingContentDisposition
    case missingName

    public var description: String {
        switch self {
        case let .notMultipartFormData(contentType):
            return "the body is \"\(contentType)\", not multipart/form-data"
        case .missingBoundary:
            return "the multipart/form-data Content-Type has no boundary parameter"
        case let .invalidBoundary(boundary):
            return "the multipart boundary \"\(boundary)\" is not 1-70 allowed characters"
        case .missingFirstBoundary:
            return "the multipart body does not contain its boundary"
        case .missingFinalBoundary:
            return "the multipart body is truncated: the closing boundary is missing"
        case .malformedDelimiterLine:
            return "a multipart boundary line is not followed by CRLF"
        case let .malformedPartHeaders(reason):
            return "the headers of a multipart part are malformed: \(reason)"
        case let .partHeadersTooLarge(limit):
            return "the headers of a multipart part are larger than \(limit) bytes"
        case let .tooManyParts(limit):
            return "the multipart body has more than \(limit) parts"
        case .missingContentDisposition:
            return "a multipart part has no Content-Disposition: form-data header"
        case .missingName:
            return "a multipart part's Content-Disposition has no name parameter"
        }
    }
}
