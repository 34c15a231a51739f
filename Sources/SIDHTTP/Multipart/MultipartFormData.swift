import Foundation
import HTTPTypes

/// A parsed multipart/form-data body (RFC 7578); part bodies are slices of the original bytes.
public struct MultipartFormData: Sendable {
    /// The parts in body order.
    public var parts: [MultipartPart]

    /// Parses `body` using the boundary from its Content-Type header value.
    public init(body: [UInt8], contentType: String, maxParts: Int = 256, maxPartHeaderBytes: Int = 16 * 1024) throws {
        try self.init(body: body, boundary: Self.boundary(fromContentType: contentType), maxParts: maxParts,
                      maxPartHeaderBytes: maxPartHeaderBytes)
    }

    /// Parses `body` with an explicit boundary.
    public init(body: [UInt8], boundary: String, maxParts: Int = 256, maxPartHeaderBytes: Int = 16 * 1024) throws {
        try Self.validate(boundary: boundary)
        var parser = Parser(body: body, boundary: Array(boundary.utf8), maxPartHeaderBytes: maxPartHeaderBytes)
        guard var delimiter = parser.firstDelimiter() else {
            throw parser.truncated ? MultipartError.missingFinalBoundary : MultipartError.missingFirstBoundary
        }
        var parts: [MultipartPart] = []
        while !delimiter.isFinal {
            guard parts.count < maxParts else { throw MultipartError.tooManyParts(limit: maxParts) }
            let (fields, contentStart) = try parser.headers(from: delimiter.next)
            guard let next = parser.delimiter(from: contentStart) else { throw MultipartError.missingFinalBoundary }
            parts.append(try Self.part(fields: fields, body: body[contentStart ..< next.start]))
            delimiter = next
        }
        self.parts = parts
    }

    /// The first part with this form field name.
    public func part(named name: String) -> MultipartPart? {
        parts.first { $0.name == name }
    }

    /// The boundary parameter of a `multipart/form-data` Content-Type value.
    public static func boundary(fromContentType contentType: String) throws -> String {
        guard let (mediaType, parameters) = HeaderParameters.parse(contentType),
              mediaType.lowercased() == "multipart/form-data" else {
            throw MultipartError.notMultipartFormData(contentType: contentType)
        }
        guard let boundary = parameters["boundary"] else { throw MultipartError.missingBoundary }
        try validate(boundary: boundary)
        return boundary
    }

    /// RFC 2046 section 5.1.1: 1-70 bchars, not ending in a space.
    private static func validate(boundary: String) throws {
        let allowed = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ".utf8)
        guard (1 ... 70).contains(boundary.utf8.count), boundary.utf8.allSatisfy(allowed.contains),
              boundary.utf8.last != 0x20 else {
            throw MultipartError.invalidBoundary(boundary)
        }
    }

    private static func part(fields: HTTPFields, body: ArraySlice<UInt8>) throws -> MultipartPart {
        guard let disposition = fields[.contentDisposition],
              let (kind, parameters) = HeaderParameters.parse(disposition),
              kind.lowercased() == "form-data" else {
            throw MultipartError.missingContentDisposition
        }
        guard let name = parameters["name"] else { throw MultipartError.missingName }
        let filename = parameters["filename*"].flatMap(HeaderParameters.decodeExtendedValue) ?? parameters["filename"]
        return MultipartPart(headerFields: fields, name: name, filename: filename,
                             contentType: fields[.contentType], body: body)
    }
}

/// The byte-level scanner behind MultipartFormData.
private struct Parser {
    struct Delimiter {
        /// Index of the CRLF that precedes the dash-boundary (the end of the previous part's content).
        let start: Int
        /// Index just after the delimiter line.
        let next: Int
        /// Whether it is the close delimiter ("--boundary--").
        let isFinal: Bool
    }

    let body: [UInt8]
    let dashBoundary: [UInt8]
    let maxPartHeaderBytes: Int
    /// Set when a search ran into the end of the body in the middle of a possible delimiter.
    private(set) var truncated = false

    init(body: [UInt8], boundary: [UInt8], maxPartHeaderBytes: Int) {
        self.body = body
        dashBoundary = Array("--".utf8) + boundary
        self.maxPartHeaderBytes = maxPartHeaderBytes
    }

    /// The first delimiter, which may start the body without a preceding CRLF (the preamble is skipped).
    mutating func firstDelimiter() -> Delimiter? {
        if body.starts(with: dashBoundary), let found = suffix(at: dashBoundary.count, start: 0) {
            return found
        }
        return delimiter(from: 0)
    }

    /// The next "CRLF--boundary" followed by "--" or by optional whitespace and CRLF, at or after `from`.
    mutating func delimiter(from: Int) -> Delimiter? {
        let needle = [ASCII.cr, ASCII.lf] + dashBoundary
        var searchFrom = from
        while let candidate = find(needle, from: searchFrom) {
            if let found = suffix(at: candidate + needle.count, start: candidate) { return found }
            // "--boundaryX" is content, not a delimiter; keep looking.
            searchFrom = candidate + 1
        }
        return nil
    }

    private mutating func suffix(at position: Int, start: Int) -> Delimiter? {
        if position + 2 <= body.count, body[position] == ASCII.dash, body[position + 1] == ASCII.dash {
            return Delimiter(start: start, next: position + 2, isFinal: true)
        }
        var cursor = position
        while cursor < body.count, body[cursor] == ASCII.space || body[cursor] == ASCII.tab { cursor += 1 }
        if cursor + 2 <= body.count, body[cursor] == ASCII.cr, body[cursor + 1] == ASCII.lf {
            return Delimiter(start: start, next: cursor + 2, isFinal: false)
        }
        if cursor + 2 > body.count { truncated = true }
        return nil
    }

    /// Parses the part headers starting at `from`; returns them and where the content begins.
    func headers(from: Int) throws -> (HTTPFields, Int) {
        var fields = HTTPFields()
        if from + 2 <= body.count, body[from] == ASCII.cr, body[from + 1] == ASCII.lf { return (fields, from + 2) }
        guard let end = find([ASCII.cr, ASCII.lf, ASCII.cr, ASCII.lf], from: from) else {
            if body.count - from > maxPartHeaderBytes { throw MultipartError.partHeadersTooLarge(limit: maxPartHeaderBytes) }
            throw MultipartError.missingFinalBoundary
        }
        guard end - from <= maxPartHeaderBytes else { throw MultipartError.partHeadersTooLarge(limit: maxPartHeaderBytes) }
        var lineStart = from
        while lineStart < end {
            let lineEnd = find([ASCII.cr, ASCII.lf], from: lineStart).map { min($0, end) } ?? end
            let line = body[lineStart ..< lineEnd]
            lineStart = lineEnd + 2
            if line.first == ASCII.space || line.first == ASCII.tab {
                throw MultipartError.malformedPartHeaders("a header is folded onto a continuation line")
            }
            guard !line.contains(ASCII.cr), !line.contains(ASCII.lf) else {
                throw MultipartError.malformedPartHeaders("a header line ends without CRLF")
            }
            guard let colon = line.firstIndex(of: ASCII.colon),
                  let name = HTTPField.Name(String(decoding: line[line.startIndex ..< colon], as: UTF8.self)) else {
                throw MultipartError.malformedPartHeaders("a header line is not \"Name: value\"")
            }
            var value = line[(colon + 1)...]
            while let first = value.first, first == ASCII.space || first == ASCII.tab { value = value.dropFirst() }
            while let last = value.last, last == ASCII.space || last == ASCII.tab { value = value.dropLast() }
            fields.append(HTTPField(name: name, lenientValue: value))
        }
        return (fields, end + 4)
    }

    /// Index of the first occurrence of `needle` at or after `from`.
    func find(_ needle: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, from >= 0, body.count - from >= needle.count else { return nil }
        // memchr finds candidates at memory speed; memmem would be nicer but is a GNU extension Swift hides.
        return body.withUnsafeBytes { haystack -> Int? in
            needle.withUnsafeBytes { pattern -> Int? in
                guard let base = haystack.baseAddress, let patternBase = pattern.baseAddress else { return nil }
                var position = from
                let lastStart = haystack.count - needle.count
                while position <= lastStart {
                    guard let hit = memchr(base + position, Int32(first), lastStart - position + 1) else { return nil }
                    let index = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + index, patternBase, needle.count) == 0 { return index }
                    position = index + 1
                }
                return nil
            }
        }
    }
}

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
