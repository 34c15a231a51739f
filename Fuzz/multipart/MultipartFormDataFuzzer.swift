import HTTPTypes
@testable import SIDHTTP

/// Parses an upload the way the service does: the input's first line is the Content-Type value, the rest the body.
///
/// Parts must be ordered, non-overlapping slices of the body that hold no delimiter, and writing the parts out again
/// with the same boundary must parse back to the same parts.
enum MultipartFormDataFuzzer {
    static let maxParts = 16
    static let maxPartHeaderBytes = 256

    static func run(_ input: UnsafeRawBufferPointer) {
        let newline = input.firstIndex(of: 0x0A) ?? input.count
        let contentType = String(decoding: input[..<newline], as: UTF8.self)
        let body = Array(input[min(newline + 1, input.count)...])
        guard let boundary = try? MultipartFormData.boundary(fromContentType: contentType) else { return }
        let form: MultipartFormData
        do {
            form = try MultipartFormData(body: body, contentType: contentType, maxParts: maxParts,
                                         maxPartHeaderBytes: maxPartHeaderBytes)
        } catch let error as MultipartError {
            _ = error.description
            return
        } catch {
            Invariant.require(false, "the parser threw \(error), which is not a MultipartError")
            return
        }
        Invariant.require(form.parts.count <= maxParts, "\(form.parts.count) parts passed the limit of \(maxParts)")

        let delimiter = Array("\r\n--\(boundary)".utf8)
        var previousEnd = 0
        for part in form.parts {
            Invariant.require(part.body.startIndex >= previousEnd && part.body.endIndex <= body.count,
                              "part \(part.name) spans \(part.body.indices) after byte \(previousEnd) of \(body.count)")
            previousEnd = part.body.endIndex
            Invariant.require(!containsDelimiter(part.body, delimiter),
                              "part \(part.name) holds a delimiter line of boundary \(boundary)")
            Invariant.require(form.part(named: part.name) != nil, "part(named: \(part.name)) finds nothing")
        }

        // HTTPTypes turns control bytes in a value into spaces after the parser trimmed it, so a value can end in
        // spaces that writing it out and parsing it again would trim; such parts cannot round-trip byte for byte.
        let fieldValues = form.parts.flatMap { $0.headerFields.map(\.value) }
        guard fieldValues.allSatisfy({ $0 == $0.trimmingOptionalWhitespace() }) else { return }
        let rewritten = serialise(form.parts, boundary: boundary)
        do {
            let again = try MultipartFormData(body: rewritten, boundary: boundary, maxParts: maxParts,
                                              maxPartHeaderBytes: .max)
            Invariant.require(again.parts.count == form.parts.count,
                              "\(form.parts.count) parts written out parse back as \(again.parts.count)")
            for (original, reparsed) in zip(form.parts, again.parts) {
                Invariant.require(original.name == reparsed.name && original.filename == reparsed.filename
                                      && original.contentType == reparsed.contentType
                                      && Array(original.body) == Array(reparsed.body),
                                  "part \(original.name) changed when written out and parsed again")
            }
        } catch {
            Invariant.require(false, "parts written out with boundary \(boundary) do not parse again: \(error)")
        }
    }

    /// Whether `content` holds `delimiter` followed by what makes it a delimiter line: "--", or whitespace and CRLF.
    static func containsDelimiter(_ content: ArraySlice<UInt8>, _ delimiter: [UInt8]) -> Bool {
        let bytes = Array(content)
        guard bytes.count >= delimiter.count + 2 else { return false }
        for start in 0 ... bytes.count - delimiter.count where bytes[start ..< start + delimiter.count].elementsEqual(delimiter) {
            var cursor = start + delimiter.count
            if cursor + 2 <= bytes.count, bytes[cursor] == 0x2D, bytes[cursor + 1] == 0x2D { return true }
            while cursor < bytes.count, bytes[cursor] == 0x20 || bytes[cursor] == 0x09 { cursor += 1 }
            if cursor + 2 <= bytes.count, bytes[cursor] == 0x0D, bytes[cursor + 1] == 0x0A { return true }
        }
        return false
    }

    /// The parts as a client would send them: each header field on its line, then the content.
    static func serialise(_ parts: [MultipartPart], boundary: String) -> [UInt8] {
        var body: [UInt8] = []
        for part in parts {
            body += Array("--\(boundary)\r\n".utf8)
            for field in part.headerFields {
                body += Array("\(field.name.rawName): \(field.value)\r\n".utf8)
            }
            body += Array("\r\n".utf8)
            body += part.body
            body += Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return body
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    MultipartFormDataFuzzer.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
