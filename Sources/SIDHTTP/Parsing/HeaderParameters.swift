import Foundation

/// Parses header values of the form `value; name=token; name="quoted \"string\""`.
enum HeaderParameters {
    /// The leading value and the parameters (names lowercased, first occurrence wins); nil if a quote is unterminated.
    static func parse(_ header: String) -> (String, [String: String])? {
        let scalars = Array(header.unicodeScalars)
        var index = 0
        func skipWhitespace() { while index < scalars.count, scalars[index] == " " || scalars[index] == "\t" { index += 1 } }
        func take(until stop: (Unicode.Scalar) -> Bool) -> String {
            var text = String.UnicodeScalarView()
            while index < scalars.count, !stop(scalars[index]) {
                text.append(scalars[index])
                index += 1
            }
            return String(text).trimmingOptionalWhitespace()
        }
        let value = take { $0 == ";" }
        var parameters: [String: String] = [:]
        while index < scalars.count {
            index += 1 // the ";"
            skipWhitespace()
            let name = take { $0 == "=" || $0 == ";" }.lowercased()
            var parameterValue = ""
            if index < scalars.count, scalars[index] == "=" {
                index += 1
                skipWhitespace()
                if index < scalars.count, scalars[index] == "\"" {
                    index += 1
                    var text = String.UnicodeScalarView()
                    var closed = false
                    while index < scalars.count {
                        let scalar = scalars[index]
                        index += 1
                        if scalar == "\\", index < scalars.count {
                            text.append(scalars[index])
                            index += 1
                        } else if scalar == "\"" {
                            closed = true
                            break
                        } else {
                            text.append(scalar)
                        }
                    }
                    guard closed else { return nil }
                    parameterValue = String(text)
                    _ = take { $0 == ";" } // ignore junk between the closing quote and the next ";"
                } else {
                    parameterValue = take { $0 == ";" }
                }
            }
            if !name.isEmpty, parameters[name] == nil { parameters[name] = parameterValue }
        }
        return (value, parameters)
    }

    /// Decodes an RFC 8187 ext-value such as `UTF-8''na%C3%AFve.png`; nil if malformed or not UTF-8.
    static func decodeExtendedValue(_ value: String) -> String? {
        let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3, pieces[0].lowercased() == "utf-8" else { return nil }
        return String(pieces[2]).removingPercentEncoding
    }
}
