import HTTPTypes

/// Why a request could not be parsed; each case maps to the status the server answers with before closing.
public enum HTTPParseError: Error, Equatable, CustomStringConvertible {
    case requestLineTooLong(limit: Int)
    case malformedRequestLine(String)
    case invalidRequestTarget
    case unsupportedVersion(HTTPVersion)
    case bareLineFeed
    case bareCarriageReturn
    case obsoleteLineFolding
    case invalidHeaderField(String)
    case tooManyHeaderFields(limit: Int)
    case headerSectionTooLarge(limit: Int)
    case invalidHost(String)
    case contentLengthWithTransferEncoding
    case duplicateContentLength
    case invalidContentLength
    case transferEncodingInHTTP10
    case chunkedNotFinal
    case chunkedRepeated
    case unsupportedTransferCoding(String)
    case lengthRequired(method: String)
    case bodyTooLarge(limit: Int)
    case malformedChunk(String)
    case unsupportedExpectation(String)

    /// The response status this error calls for.
    public var status: HTTPResponse.Status {
        switch self {
        case .requestLineTooLong: return .uriTooLong
        case .tooManyHeaderFields, .headerSectionTooLarge: return .requestHeaderFieldsTooLarge
        case .unsupportedVersion: return .httpVersionNotSupported
        case .unsupportedTransferCoding: return .notImplemented
        case .lengthRequired: return .lengthRequired
        case .bodyTooLarge: return .contentTooLarge
        case .unsupportedExpectation: return .expectationFailed
        default: return .badRequest
        }
    }

    public var description: String {
        switch self {
        case let .requestLineTooLong(limit):
            return "The request line is longer than the \(limit) bytes this server accepts."
        case let .malformedRequestLine(reason):
            return "The request line is malformed: \(reason)."
        case .invalidRequestTarget:
            return "The request target contains characters that are not allowed in a URI, or is empty."
        case let .unsupportedVersion(version):
            return "\(version) is not supported; this server speaks HTTP/1.0 and HTTP/1.1."
        case .bareLineFeed:
            return "A line in the request ends with LF alone; HTTP/1.1 requires CRLF."
        case .bareCarriageReturn:
            return "The request contains a CR that is not followed by LF."
        case .obsoleteLineFolding:
            return "A header field is continued on the next line (obsolete line folding), which is not accepted."
        case let .invalidHeaderField(reason):
            return "A header field is malformed: \(reason)."
        case let .tooManyHeaderFields(limit):
            return "The request has more than \(limit) header fields."
        case let .headerSectionTooLarge(limit):
            return "The request header fields are larger than the \(limit) bytes this server accepts."
        case let .invalidHost(reason):
            return "The Host header field is invalid: \(reason)."
        case .contentLengthWithTransferEncoding:
            return "The request has both Content-Length and Transfer-Encoding, so its length is ambiguous."
        case .duplicateContentLength:
            return "The request has more than one Content-Length value."
        case .invalidContentLength:
            return "The Content-Length header field is not a non-negative decimal number."
        case .transferEncodingInHTTP10:
            return "Transfer-Encoding is not allowed in an HTTP/1.0 request."
        case .chunkedNotFinal:
            return "The final transfer coding must be chunked, otherwise the body length cannot be determined."
        case .chunkedRepeated:
            return "Transfer-Encoding lists chunked more than once."
        case let .unsupportedTransferCoding(coding):
            return "The transfer coding \"\(coding)\" is not supported; send the body chunked or with Content-Length."
        case let .lengthRequired(method):
            return "A \(method) request must declare its body length with Content-Length or chunked Transfer-Encoding."
        case let .bodyTooLarge(limit):
            return "The request body is larger than the \(limit) bytes this server accepts."
        case let .malformedChunk(reason):
            return "The chunked request body is malformed: \(reason)."
        case let .unsupportedExpectation(expectation):
            return "The expectation \"\(expectation)\" is not supported; only 100-continue is."
        }
    }
}
