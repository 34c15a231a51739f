import Foundation
import SIDWeights

/// The API keys that may call /v1/*, read from a file: one key per line, or `sha256:<64 hex digits>` for a
/// key stored as its SHA-256; blank lines and `#` comments are skipped.
///
/// Only digests are kept. A presented key is hashed and compared with every stored digest, all bytes of all
/// of them, so the time taken says nothing about how close a guess came. A key is named in logs by its id:
/// the first 8 hex digits of its SHA-256, never the key.
struct APIKeys: Equatable {
    private(set) var digests: [[UInt8]]

    /// The shortest key accepted in clear: shorter ones are guessable.
    static let minimumLength = 16

    init(digests: [[UInt8]]) {
        self.digests = digests
    }

    /// Parses the text of a keys file; `source` names it in errors.
    init(text: String, source: String) throws {
        var digests: [[UInt8]] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.lowercased().hasPrefix("sha256:") {
                let hex = line.dropFirst(7).lowercased()
                guard hex.count == 64, let digest = Self.bytes(hex: String(hex)) else {
                    throw APIKeysError("\(source) line \(number + 1): sha256: must be followed by 64 hex digits")
                }
                digests.append(digest)
            } else {
                guard line.count >= Self.minimumLength, line.utf8.allSatisfy({ (0x21 ... 0x7E).contains($0) }) else {
                    throw APIKeysError("\(source) line \(number + 1): a key must be at least \(Self.minimumLength) "
                        + "visible ASCII characters with no spaces")
                }
                digests.append(Self.digest(line))
            }
        }
        guard !digests.isEmpty else { throw APIKeysError("\(source) holds no key") }
        self.digests = digests
    }

    /// Reads a keys file.
    static func load(path: String) throws -> APIKeys {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw APIKeysError("cannot read the API keys file \(path): \(error.localizedDescription)")
        }
        return try APIKeys(text: text, source: path)
    }

    /// The id of `key` if it is one of the keys, else nil; takes the same time whichever key, if any, matches.
    func identify(_ key: String) -> String? {
        let presented = Self.digest(key)
        var matched = false
        for digest in digests {
            var difference: UInt8 = 0
            for index in 0 ..< 32 { difference |= digest[index] ^ presented[index] }
            matched = matched || difference == 0
        }
        return matched ? Self.id(digest: presented) : nil
    }

    /// The key a request presents: `Authorization: Bearer KEY`, else `X-API-Key: KEY`.
    static func presented(authorization: String?, apiKeyHeader: String?) -> String? {
        if let authorization {
            let parts = authorization.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return apiKeyHeader?.trimmingCharacters(in: .whitespaces)
    }

    /// 8 hex digits of the key's SHA-256: enough to tell keys apart in logs, useless to an attacker.
    static func id(digest: [UInt8]) -> String {
        digest.prefix(4).map { String(format: "%02x", $0) }.joined()
    }

    static func digest(_ key: String) -> [UInt8] {
        bytes(hex: SHA256.hex(of: Data(key.utf8)))!
    }

    private static func bytes(hex: String) -> [UInt8]? {
        var result: [UInt8] = []
        var iterator = hex.makeIterator()
        while let high = iterator.next() {
            guard let low = iterator.next(), let byte = UInt8(String([high, low]), radix: 16) else { return nil }
            result.append(byte)
        }
        return result
    }
}

/// An API keys file that cannot be used.
struct APIKeysError: Error, CustomStringConvertible, Equatable {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
