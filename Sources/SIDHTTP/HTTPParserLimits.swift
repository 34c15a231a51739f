import HTTPTypes

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
