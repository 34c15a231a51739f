import HTTPTypes
@testable import SIDHTTP

/// Feeds one byte stream to `HTTPRequestParser` whole, a byte at a time and in pseudo-random pieces, and checks that
/// every way of cutting the stream yields the same requests, and that each request is framed as its head declares.
enum HTTPRequestParserFuzzer {
    /// Small limits, so that inputs of a few kilobytes reach every limit check.
    static let limits = HTTPParserLimits(maxRequestLineBytes: 256, maxHeaderCount: 12, maxHeaderBytes: 512,
                                         maxBodyBytes: 2048, maxChunkLineBytes: 64)

    /// What the parser produced, in a comparable form.
    enum Event: Equatable {
        case head(String)
        case end(body: [UInt8], trailers: String)
    }

    struct Transcript: Equatable {
        var events: [Event] = []
        var failed = false
        var atMessageBoundary = false
        var readingBody = false
    }

    static func run(_ input: UnsafeRawBufferPointer) {
        let whole = transcript(of: input, pieces: [input.count])
        if input.count <= 2048 {
            let byteByByte = transcript(of: input, pieces: Array(repeating: 1, count: input.count))
            Invariant.require(byteByByte == whole, "a byte at a time gives \(byteByByte), whole gives \(whole)")
        }
        let pieces = SplitPlan.pieces(for: input, largestChunk: 64)
        let split = transcript(of: input, pieces: pieces)
        Invariant.require(split == whole, "pieces \(pieces) give \(split), whole gives \(whole)")
    }

    /// Feeds `input` cut into `pieces`, pulling every event after each piece, as `HTTPConnection` does.
    static func transcript(of input: UnsafeRawBufferPointer, pieces: [Int]) -> Transcript {
        var parser = HTTPRequestParser(limits: limits)
        var result = Transcript()
        var fed = 0
        var bodyBytes = 0
        var framing: HTTPRequestHead.BodyFraming?
        feeding: for piece in pieces {
            parser.append(UnsafeRawBufferPointer(rebasing: input[fed ..< fed + piece]))
            fed += piece
            while true {
                let event: HTTPRequestParser.Event?
                do {
                    event = try parser.next()
                } catch let error as HTTPParseError {
                    result.failed = true
                    checkStaysFailed(&parser, after: error)
                    break feeding
                } catch {
                    Invariant.require(false, "next() threw \(error), which is not an HTTPParseError")
                    return result
                }
                guard let event else { break }
                Invariant.require(parser.currentMessageByteCount <= fed,
                                  "\(parser.currentMessageByteCount) bytes counted of \(fed) received")
                switch event {
                case let .head(head):
                    Invariant.require(framing == nil, "a head arrived before the previous body ended")
                    check(head)
                    framing = head.framing
                    result.events.append(.head(describe(head)))
                case let .end(body, trailers):
                    guard let current = framing else {
                        Invariant.require(false, "a body ended without a head")
                        return result
                    }
                    switch current {
                    case .none:
                        Invariant.require(body.isEmpty, "a request without framing has a \(body.count)-byte body")
                    case let .contentLength(length):
                        Invariant.require(body.count == length, "Content-Length \(length) gave \(body.count) bytes")
                        Invariant.require(trailers.isEmpty, "a Content-Length body has trailer fields")
                    case .chunked:
                        Invariant.require(body.count <= limits.maxBodyBytes,
                                          "a chunked body of \(body.count) bytes passed the \(limits.maxBodyBytes) limit")
                    }
                    bodyBytes += body.count
                    Invariant.require(bodyBytes <= fed, "\(bodyBytes) body bytes from \(fed) received bytes")
                    framing = nil
                    result.events.append(.end(body: body, trailers: trailers.map { "\($0)" }.joined(separator: "|")))
                }
            }
        }
        result.atMessageBoundary = parser.isAtMessageBoundary
        result.readingBody = parser.isReadingBody
        return result
    }

    /// The smuggling rules: a head's framing must follow from its fields, and only from unambiguous ones.
    static func check(_ head: HTTPRequestHead) {
        let fields = head.request.headerFields
        let contentLengths = fields[values: .contentLength]
        let transferEncodings = fields[values: .transferEncoding]
        Invariant.require(contentLengths.isEmpty || transferEncodings.isEmpty,
                          "a head with both Content-Length and Transfer-Encoding was accepted")
        Invariant.require(contentLengths.count <= 1, "a head with \(contentLengths.count) Content-Lengths was accepted")
        switch head.framing {
        case .none:
            Invariant.require(contentLengths.isEmpty && transferEncodings.isEmpty, "declared framing was ignored")
            Invariant.require(!limits.lengthRequiredMethods.contains(head.request.method),
                              "\(head.request.method) without a length was accepted")
        case let .contentLength(length):
            Invariant.require(contentLengths.count == 1 && Int(contentLengths[0]) == length,
                              "Content-Length \(contentLengths) read as \(length)")
            Invariant.require(length <= limits.maxBodyBytes, "Content-Length \(length) passed the body limit")
        case .chunked:
            Invariant.require(!transferEncodings.isEmpty, "chunked framing without Transfer-Encoding")
            Invariant.require(head.version == .http1_1, "Transfer-Encoding accepted in \(head.version)")
        }
        Invariant.require(head.version == .http1_0 || head.version == .http1_1, "version \(head.version) accepted")
    }

    /// After an error the parser must keep failing with it: the connection answers it and closes.
    static func checkStaysFailed(_ parser: inout HTTPRequestParser, after error: HTTPParseError) {
        parser.append([0x0D, 0x0A, 0x0D, 0x0A])
        do {
            _ = try parser.next()
            Invariant.require(false, "the parser recovered after \(error)")
        } catch let again as HTTPParseError {
            Invariant.require(again == error, "the parser failed with \(error), then with \(again)")
        } catch {
            Invariant.require(false, "next() threw \(error), which is not an HTTPParseError")
        }
    }

    static func describe(_ head: HTTPRequestHead) -> String {
        let request = head.request
        return [request.method.rawValue, request.scheme ?? "-", request.authority ?? "-", request.path ?? "-",
                "\(head.version)", "\(head.framing)", "\(head.keepAlive)", "\(head.expectsContinue)",
                request.headerFields.map { "\($0)" }.joined(separator: "|")].joined(separator: " ")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    HTTPRequestParserFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
