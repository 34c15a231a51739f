/// The identifier that ties a request's log line to its response: the client's X-Request-Id, or a new one.
enum RequestID {
    /// The client's id if it is 1-128 visible ASCII characters (so it is safe in logs and headers), else a new one.
    static func resolve(_ header: String?) -> String {
        if let header, (1 ... 128).contains(header.utf8.count), header.utf8.allSatisfy({ (0x21 ... 0x7E).contains($0) }) {
            return header
        }
        return generate()
    }

    /// 16 random hex digits.
    static func generate() -> String {
        let value = UInt64.random(in: .min ... .max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
