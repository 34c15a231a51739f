import Foundation
import Logging

/// The log lines of `sid serve` on stderr: swift-log's text layout with every value escaped, or one JSON object
/// per line.
///
/// Request logs carry values clients chose (paths, parameters inside error details); a newline among them
/// would start a forged line. Text escapes control and line-separator characters; JSON escapes them by its
/// own rules.
public struct ServiceLogHandler: LogHandler {
    public enum Format: String, CaseIterable, Sendable {
        case text
        case json

        public static var choices: String { allCases.map(\.rawValue).joined(separator: " or ") }
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let format: Format
    private let write: @Sendable (String) -> Void

    /// Writes to `write` (stderr when not given); each call gets one whole line.
    public init(label: String, format: Format, level: Logger.Level,
                write: @escaping @Sendable (String) -> Void = ServiceLogHandler.standardError) {
        self.label = label
        self.format = format
        logLevel = level
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        write(line(level: event.level, message: "\(event.message)", metadata: merged, source: event.source,
                   date: Date()))
    }

    /// One log line, newline included.
    func line(level: Logger.Level, message: String, metadata: Logger.Metadata, source: String, date: Date) -> String {
        switch format {
        case .text:
            let fields = metadata.sorted { $0.key < $1.key }
                .map { " \(Self.escape($0.key))=\(Self.escape("\($0.value)"))" }.joined()
            return "\(Self.timestamp(date)) \(level) \(label):\(fields) [\(source)] \(Self.escape(message))\n"
        case .json:
            var object = ["time": Self.timestamp(date), "level": "\(level)", "label": label, "message": message,
                          "source": source]
            for (key, value) in metadata where object[key] == nil { object[key] = "\(value)" }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(object)) ?? Data("{\"message\":\"unencodable log line\"}".utf8)
            // JSON allows U+2028/U+2029 raw, but some viewers break lines there; they occur only inside strings.
            return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\u{2028}", with: "\\u2028")
                .replacingOccurrences(of: "\u{2029}", with: "\\u2029") + "\n"
        }
    }

    /// Control characters, DEL and the Unicode line separators as visible escapes, backslash doubled.
    static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where needsEscape(scalar): escaped += "\\u{\(String(scalar.value, radix: 16))}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\\" || (0x80 ... 0x9F).contains(scalar.value)
            || scalar.value == 0x2028 || scalar.value == 0x2029
    }

    private static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(cString: buffer)
    }

    /// One write(2) per line, so lines from different threads never interleave.
    public static let standardError: @Sendable (String) -> Void = { line in
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }
}
