import HTTPTypes

/// An incremental HTTP/1.1 request parser: feed it bytes, pull heads and complete bodies out in order.
///
/// It is strict where leniency enables request smuggling (RFC 9112 section 11.2): lines must end in CRLF,
/// Content-Length and Transfer-Encoding may not both appear, Content-Length may appear once, only `chunked`
/// is accepted as a transfer coding, and obsolete line folding is refused. After a parse error it stays
/// failed; the connection answers with `error.status` and closes. Pipelined requests are returned one after
/// the other from the same buffer.
public struct HTTPRequestParser: Sendable {
    /// What `next()` produced.
    public enum Event: Sendable {
        /// The head of the next request is complete; its body (if any) follows.
        case head(HTTPRequestHead)
        /// The body of the current request is complete (de-chunked), with any trailer fields.
        case end(body: [UInt8], trailerFields: HTTPFields)
    }

    private enum State: Sendable {
        case requestLine
        case headerFields
        case body(remaining: Int)
        case chunkSizeLine
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailerFields
        case failed(HTTPParseError)
    }

    // HTTPTypes marks `.host` unavailable (it models Host as the authority pseudo-field), but HTTP/1.1 has to read it.
    private static let hostField = HTTPField.Name("Host")!

    /// The limits this parser enforces.
    public let limits: HTTPParserLimits

    private var state: State = .requestLine
    private var buffer: [UInt8] = []
    private var cursor = 0
    private var lineScanOffset = 0

    private var method: HTTPRequest.Method?
    private var target = ""
    private var version = HTTPVersion.http1_1
    private var fields = HTTPFields()
    private var fieldCount = 0
    private var fieldBytes = 0
    private var body: [UInt8] = []
    private var messageBytes = 0

    /// Method of the request being parsed, once its request line was read (for logging failed requests).
    public private(set) var currentMethod: HTTPRequest.Method?
    /// Request target of the request being parsed, once its request line was read.
    public private(set) var currentTarget: String?
    /// Bytes of the current (or just completed) request consumed so far, framing included.
    public private(set) var currentMessageByteCount = 0

    /// Creates a parser with the given limits.
    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    /// Whether bytes of a next request have been received but not yet parsed into an event.
    public var hasBufferedBytes: Bool { cursor < buffer.count }

    /// Whether the parser is between requests: no byte of a next request has been received.
    public var isAtMessageBoundary: Bool {
        if case .requestLine = state { return messageBytes == 0 && !hasBufferedBytes }
        return false
    }

    /// Whether the parser is reading a body (after `.head`, before `.end`).
    public var isReadingBody: Bool {
        switch state {
        case .body, .chunkSizeLine, .chunkData, .chunkDataEnd, .trailerFields: return true
        default: return false
        }
    }

    /// Appends received bytes.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Appends received bytes.
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next event, or nil when more bytes are needed.
    public mutating func next() throws -> Event? {
        do {
            return try advance()
        } catch let error as HTTPParseError {
            state = .failed(error)
            throw error
        }
    }

    // MARK: - State machine

    private mutating func advance() throws -> Event? {
        while true {
            switch state {
            case let .failed(error):
                throw error

            case .requestLine:
                guard let line = try takeLine(limit: limits.maxRequestLineBytes,
                                              tooLong: .requestLineTooLong(limit: limits.maxRequestLineBytes))
                else { return nil }
                // RFC 9112 section 2.2: ignore empty lines before the request line (left over from a previous body).
                if line.isEmpty {
                    guard messageBytes <= limits.maxRequestLineBytes else {
                        throw HTTPParseError.requestLineTooLong(limit: limits.maxRequestLineBytes)
                    }
                    continue
                }
                try parseRequestLine(line)
                state = .headerFields

            case .headerFields:
                guard let line = try takeFieldLine() else { return nil }
                if line.isEmpty {
                    let head = try finishHead()
                    return .head(head)
                }
                fields.append(try parseField(line))

            case let .body(remaining):
                if remaining == 0 { return finishMessage() }
                let count = min(remaining, buffer.count - cursor)
                if count == 0 { return nil }
                body.append(contentsOf: buffer[cursor ..< cursor + count])
                consume(count)
                state = .body(remaining: remaining - count)

            case .chunkSizeLine:
                guard let line = try takeLine(limit: limits.maxChunkLineBytes,
                                              tooLong: .malformedChunk("a chunk-size line is longer than \(limits.maxChunkLineBytes) bytes"))
                else { return nil }
                let size = try parseChunkSize(line)
                if size == 0 {
                    fieldCount = 0
                    fieldBytes = 0
                    fields = HTTPFields()
                    state = .trailerFields
                } else {
                    guard size <= limits.maxBodyBytes - body.count else {
                        throw HTTPParseError.bodyTooLarge(limit: limits.maxBodyBytes)
                    }
                    state = .chunkData(remaining: size)
                }

            case let .chunkData(remaining):
                let count = min(remaining, buffer.count - cursor)
                if count == 0 { return nil }
                body.append(contentsOf: buffer[cursor ..< cursor + count])
                consume(count)
                state = count == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - count)

            case .chunkDataEnd:
                guard buffer.count - cursor >= 2 else { return nil }
                guard buffer[cursor] == ASCII.cr, buffer[cursor + 1] == ASCII.lf else {
                    throw HTTPParseError.malformedChunk("chunk data is not followed by CRLF (the chunk size is wrong)")
                }
                consume(2)
                state = .chunkSizeLine

            case .trailerFields:
                guard let line = try takeFieldLine() else { return nil }
                if line.isEmpty { return finishMessage(trailers: fields) }
                fields.append(try parseField(line))
            }
        }
    }

    private mutating func finishMessage(trailers: HTTPFields = HTTPFields()) -> Event {
        let completed = body
        body = []
        fields = HTTPFields()
        fieldCount = 0
        fieldBytes = 0
        method = nil
        currentMethod = nil
        currentTarget = nil
        messageBytes = 0
        state = .requestLine
        return .end(body: completed, trailerFields: trailers)
    }

    // MARK: - Lines

    private mutating func consume(_ count: Int) {
        cursor += count
        lineScanOffset = max(lineScanOffset, cursor)
        messageBytes += count
        currentMessageByteCount = messageBytes
    }

    private mutating func compact() {
        if cursor == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
            cursor = 0
            lineScanOffset = 0
        } else if cursor >= 4096, cursor * 2 >= buffer.count {
            buffer.removeSubrange(0 ..< cursor)
            lineScanOffset -= cursor
            cursor = 0
        }
    }

    /// The next CRLF-terminated line without its CRLF, or nil if it has not fully arrived.
    private mutating func takeLine(limit: Int, tooLong: HTTPParseError) throws -> ArraySlice<UInt8>? {
        let searchStart = max(lineScanOffset, cursor)
        guard let lineFeed = buffer[searchStart...].firstIndex(of: ASCII.lf) else {
            if buffer.count - cursor > limit { throw tooLong }
            if let carriageReturn = buffer[searchStart...].firstIndex(of: ASCII.cr), carriageReturn < buffer.count - 1 {
                throw HTTPParseError.bareCarriageReturn
            }
            // A CR that ends the bytes received so far may be bare: look at it again when the next byte arrives.
            lineScanOffset = buffer.last == ASCII.cr ? buffer.count - 1 : buffer.count
            return nil
        }
        guard lineFeed + 1 - cursor <= limit else { throw tooLong }
        guard lineFeed > cursor, buffer[lineFeed - 1] == ASCII.cr else { throw HTTPParseError.bareLineFeed }
        let line = buffer[cursor ..< lineFeed - 1]
        if line.contains(ASCII.cr) { throw HTTPParseError.bareCarriageReturn }
        consume(lineFeed + 1 - cursor)
        return line
    }

    /// A header or trailer field line, enforcing the count and size limits of the section.
    private mutating func takeFieldLine() throws -> ArraySlice<UInt8>? {
        let sectionTooLarge = HTTPParseError.headerSectionTooLarge(limit: limits.maxHeaderBytes)
        // +2 so the empty line ending a section that is exactly at the limit still fits.
        guard let line = try takeLine(limit: limits.maxHeaderBytes - fieldBytes + 2, tooLong: sectionTooLarge)
        else { return nil }
        if line.isEmpty { return line }
        fieldCount += 1
        fieldBytes += line.count + 2
        guard fieldCount <= limits.maxHeaderCount else {
            throw HTTPParseError.tooManyHeaderFields(limit: limits.maxHeaderCount)
        }
        guard fieldBytes <= limits.maxHeaderBytes else { throw sectionTooLarge }
        return line
    }

    // MARK: - Request line

    private mutating func parseRequestLine(_ line: ArraySlice<UInt8>) throws {
        let parts = line.split(separator: ASCII.space, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty else {
            throw HTTPParseError.malformedRequestLine("expected \"METHOD target HTTP/1.1\" separated by single spaces")
        }
        let methodBytes = parts[0], targetBytes = parts[1], versionBytes = parts[2]
        guard methodBytes.allSatisfy(Self.isTokenByte),
              let method = HTTPRequest.Method(String(decoding: methodBytes, as: UTF8.self)) else {
            throw HTTPParseError.malformedRequestLine("the method is not a token")
        }
        guard targetBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw HTTPParseError.invalidRequestTarget }
        self.method = method
        target = String(decoding: targetBytes, as: UTF8.self)
        currentMethod = method
        currentTarget = target
        version = try Self.parseVersion(versionBytes)
        fields = HTTPFields()
        fieldCount = 0
        fieldBytes = 0
    }

    private static func parseVersion(_ bytes: ArraySlice<UInt8>) throws -> HTTPVersion {
        let prefix = Array("HTTP/".utf8)
        let digits = Array(bytes.dropFirst(prefix.count))
        guard bytes.count == 8, bytes.starts(with: prefix), digits[1] == UInt8(ascii: "."),
              isDigit(digits[0]), isDigit(digits[2]) else {
            throw HTTPParseError.malformedRequestLine("the protocol version is not of the form HTTP/1.1")
        }
        let version = HTTPVersion(major: Int(digits[0] - 0x30), minor: Int(digits[2] - 0x30))
        guard version.major == 1 else { throw HTTPParseError.unsupportedVersion(version) }
        // RFC 9110 section 2.5: a higher minor version is handled as the highest one we implement.
        return version.minor == 0 ? .http1_0 : .http1_1
    }

    // MARK: - Fields

    private func parseField(_ line: ArraySlice<UInt8>) throws -> HTTPField {
        if line.first == ASCII.space || line.first == ASCII.tab { throw HTTPParseError.obsoleteLineFolding }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            throw HTTPParseError.invalidHeaderField("a field line has no colon")
        }
        let nameBytes = line[line.startIndex ..< colon]
        guard !nameBytes.isEmpty, nameBytes.allSatisfy(Self.isTokenByte),
              let name = HTTPField.Name(String(decoding: nameBytes, as: UTF8.self)) else {
            throw HTTPParseError.invalidHeaderField("a field name is empty or contains a character outside a token (such as whitespace before the colon)")
        }
        var value = line[(colon + 1)...]
        while let first = value.first, first == ASCII.space || first == ASCII.tab { value = value.dropFirst() }
        while let last = value.last, last == ASCII.space || last == ASCII.tab { value = value.dropLast() }
        guard value.allSatisfy({ $0 == ASCII.tab || ($0 >= 0x20 && $0 != 0x7F) }) else {
            throw HTTPParseError.invalidHeaderField("the value of \(name.rawName) contains a control character")
        }
        return HTTPField(name: name, lenientValue: value)
    }

    // MARK: - Head semantics

    private mutating func finishHead() throws -> HTTPRequestHead {
        guard let method else { throw HTTPParseError.malformedRequestLine("missing request line") }

        let hosts = fields[values: Self.hostField]
        if hosts.count > 1 { throw HTTPParseError.invalidHost("it appears more than once") }
        if version == .http1_1, hosts.isEmpty { throw HTTPParseError.invalidHost("it is required in HTTP/1.1") }
        if let host = hosts.first, !host.utf8.allSatisfy(Self.isHostByte) {
            throw HTTPParseError.invalidHost("it contains characters not allowed in a host name")
        }

        let connectionOptions = Self.listElements(fields[values: .connection])
        let keepAlive = version == .http1_1
            ? !connectionOptions.contains("close")
            : connectionOptions.contains("keep-alive") && !connectionOptions.contains("close")

        let framing = try bodyFraming(method: method)

        var expectsContinue = false
        let expectations = fields[values: .expect]
        if version == .http1_1, !expectations.isEmpty {
            let elements = Self.listElements(expectations)
            guard !elements.isEmpty, elements.allSatisfy({ $0 == "100-continue" }) else {
                throw HTTPParseError.unsupportedExpectation(expectations.joined(separator: ", "))
            }
            expectsContinue = true
        }

        let request = try makeRequest(method: method)
        switch framing {
        case .none: state = .body(remaining: 0)
        case let .contentLength(length): state = .body(remaining: length)
        case .chunked: state = .chunkSizeLine
        }
        body = []
        if case let .contentLength(length) = framing {
            // Reserve what was announced, but not so much that a lying client can make us allocate it all.
            body.reserveCapacity(min(length, 16 * 1024 * 1024))
        }
        return HTTPRequestHead(request: request, version: version, framing: framing, keepAlive: keepAlive,
                               expectsContinue: expectsContinue)
    }

    /// RFC 9112 section 6.3, minus the lenient options that allow smuggling.
    private func bodyFraming(method: HTTPRequest.Method) throws -> HTTPRequestHead.BodyFraming {
        let transferEncodings = fields[values: .transferEncoding]
        let contentLengths = fields[values: .contentLength]
        if !transferEncodings.isEmpty {
            if version == .http1_0 { throw HTTPParseError.transferEncodingInHTTP10 }
            if !contentLengths.isEmpty { throw HTTPParseError.contentLengthWithTransferEncoding }
            let codings = Self.listElements(transferEncodings)
            guard codings.last == "chunked" else { throw HTTPParseError.chunkedNotFinal }
            let others = codings.dropLast()
            if others.contains("chunked") { throw HTTPParseError.chunkedRepeated }
            if let unsupported = others.first { throw HTTPParseError.unsupportedTransferCoding(unsupported) }
            return .chunked
        }
        if !contentLengths.isEmpty {
            guard contentLengths.count == 1 else { throw HTTPParseError.duplicateContentLength }
            let digits = contentLengths[0].utf8
            guard (1 ... 18).contains(digits.count), digits.allSatisfy(Self.isDigit),
                  let length = Int(contentLengths[0]) else {
                throw HTTPParseError.invalidContentLength
            }
            guard length <= limits.maxBodyBytes else { throw HTTPParseError.bodyTooLarge(limit: limits.maxBodyBytes) }
            return .contentLength(length)
        }
        if limits.lengthRequiredMethods.contains(method) { throw HTTPParseError.lengthRequired(method: method.rawValue) }
        return .none
    }

    private func makeRequest(method: HTTPRequest.Method) throws -> HTTPRequest {
        let host = fields[Self.hostField]
        if method == .connect {
            guard !target.hasPrefix("/"), !target.contains("/") else { throw HTTPParseError.invalidRequestTarget }
            return HTTPRequest(method: method, scheme: nil, authority: target, path: nil, headerFields: fields)
        }
        if target.hasPrefix("/") || target == "*" {
            if target == "*", method != .options { throw HTTPParseError.invalidRequestTarget }
            return HTTPRequest(method: method, scheme: "http", authority: host, path: target, headerFields: fields)
        }
        // Absolute form (RFC 9112 section 3.2.2): the URI's authority replaces Host.
        guard let schemeEnd = target.range(of: "://") else { throw HTTPParseError.invalidRequestTarget }
        let scheme = target[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { throw HTTPParseError.invalidRequestTarget }
        let rest = target[schemeEnd.upperBound...]
        let pathStart = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = String(rest[..<pathStart])
        guard !authority.isEmpty else { throw HTTPParseError.invalidRequestTarget }
        var path = String(rest[pathStart...])
        if !path.hasPrefix("/") { path = "/" + path }
        return HTTPRequest(method: method, scheme: scheme, authority: authority, path: path, headerFields: fields)
    }

    // MARK: - Chunks

    private func parseChunkSize(_ line: ArraySlice<UInt8>) throws -> Int {
        let digitsEnd = line.firstIndex { !Self.isHexDigit($0) } ?? line.endIndex
        let digits = line[line.startIndex ..< digitsEnd]
        guard !digits.isEmpty else { throw HTTPParseError.malformedChunk("a chunk size is not a hexadecimal number") }
        var size = 0
        for digit in digits {
            let (shifted, overflow) = size.multipliedReportingOverflow(by: 16)
            guard !overflow else { throw HTTPParseError.malformedChunk("a chunk size is too large") }
            size = shifted + Self.hexValue(digit)
        }
        // Chunk extensions (";name=value") carry nothing we use; they only have to be free of control bytes.
        var rest = line[digitsEnd...]
        while let first = rest.first, first == ASCII.space || first == ASCII.tab { rest = rest.dropFirst() }
        if let first = rest.first {
            guard first == UInt8(ascii: ";"), rest.allSatisfy({ $0 == ASCII.tab || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw HTTPParseError.malformedChunk("unexpected characters after a chunk size")
            }
        }
        return size
    }

    // MARK: - Character classes

    private static func listElements(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }
            .map { String($0).trimmingOptionalWhitespace().lowercased() }
            .filter { !$0.isEmpty }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }

    private static func hexValue(_ byte: UInt8) -> Int {
        if isDigit(byte) { return Int(byte - 0x30) }
        return Int((byte | 0x20) - 0x61 + 10)
    }

    /// tchar from RFC 9110 section 5.6.2.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30 ... 0x39, 0x41 ... 0x5A, 0x61 ... 0x7A: return true
        default: return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    /// Characters of uri-host [":" port], IP literals included (RFC 3986).
    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30 ... 0x39, 0x41 ... 0x5A, 0x61 ... 0x7A: return true
        default: return Array("-._~%!$&'()*+,;=:[]".utf8).contains(byte)
        }
    }
}

/// Size limits the request parser enforces before buffering anything large.
public struct HTTPParserLimits: Sendable {
    /// Longest request line accepted, CRLF included (longer -> 414).
    public var maxRequestLineBytes: Int
    /// Most header (or trailer) field lines accepted (more -> 431).
    public var maxHeaderCount: Int
    /// Most bytes of header (or trailer) field lines, CRLFs included (more -> 431).
    public var maxHeaderBytes: Int
    /// Largest request body accepted, after removing chunked framing (larger -> 413).
    public var maxBodyBytes: Int
    /// Longest chunk-size line, extensions included (longer -> 400).
    public var maxChunkLineBytes: Int
    /// Methods that must declare a body length (Content-Length or chunked), or get 411.
    public var lengthRequiredMethods: Set<HTTPRequest.Method>

    /// Creates limits; the defaults follow common server practice (8 KiB line, 100 fields, 32 KiB of fields).
    public init(maxRequestLineBytes: Int = 8 * 1024, maxHeaderCount: Int = 100, maxHeaderBytes: Int = 32 * 1024,
                maxBodyBytes: Int = 64 * 1024 * 1024, maxChunkLineBytes: Int = 4 * 1024,
                lengthRequiredMethods: Set<HTTPRequest.Method> = [.post, .put]) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxChunkLineBytes = maxChunkLineBytes
        self.lengthRequiredMethods = lengthRequiredMethods
    }
}

/// Byte values and character classes of HTTP syntax (RFC 9110, RFC 9112).
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let dash: UInt8 = 0x2D
    static let colon: UInt8 = 0x3A
}

extension String {
    /// Drops leading and trailing SP and HTAB (OWS in RFC 9110).
    func trimmingOptionalWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
