import HTTPTypes

/// An RFC 9457 problem details object, serialized as `application/problem+json`.
public struct ProblemDetails: Sendable, Equatable {
    /// The media type of the serialized form.
    public static let mediaType = "application/problem+json"

    /// A URI identifying the problem type; "about:blank" means the status says it all.
    public var type: String
    /// A short summary of the problem type (the reason phrase for "about:blank").
    public var title: String
    /// The HTTP status code.
    public var status: Int
    /// A sentence explaining this occurrence to a person.
    public var detail: String
    /// A URI identifying this occurrence, if any.
    public var instance: String?

    /// Creates a problem of type "about:blank" titled with the status's reason phrase.
    public init(status: HTTPResponse.Status, detail: String, instance: String? = nil) {
        self.init(type: "about:blank", title: status.reasonPhrase.isEmpty ? "HTTP \(status.code)" : status.reasonPhrase,
                  status: status.code, detail: detail, instance: instance)
    }

    /// Creates a problem with every member given.
    public init(type: String, title: String, status: Int, detail: String, instance: String? = nil) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.instance = instance
    }

    /// The JSON document, members in the order the RFC lists them.
    public var jsonBytes: [UInt8] {
        var json = "{\"type\":\(Self.quoted(type)),\"title\":\(Self.quoted(title)),\"status\":\(status),"
        json += "\"detail\":\(Self.quoted(detail))"
        if let instance { json += ",\"instance\":\(Self.quoted(instance))" }
        json += "}"
        return Array(json.utf8)
    }

    /// A response carrying this problem, with Content-Type set; `headerFields` are added (e.g. Retry-After).
    public func response(headerFields: HTTPFields = HTTPFields()) -> HTTPResponseMessage {
        var fields = headerFields
        fields[.contentType] = Self.mediaType
        let status = HTTPResponse.Status(code: (100 ... 999).contains(status) ? status : 500,
                                         reasonPhrase: title)
        return HTTPResponseMessage(status: status, headerFields: fields, body: jsonBytes)
    }

    /// A JSON string literal; non-ASCII is left as UTF-8, which JSON allows.
    private static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
