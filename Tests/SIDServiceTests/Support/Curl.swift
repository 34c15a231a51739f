import Foundation
import XCTest

/// Runs the real /usr/bin/curl and collects status, header fields and body of the final response.
struct Curl {
    struct Result {
        var exitCode: Int32
        /// Whatever `-w` printed.
        var writeOut: String
        /// Every header block received, interim 100 Continue included, as curl dumped it.
        var headerDump: String
        var body: Data
        var stderr: String

        /// The status of the final response (0 if none).
        var status: Int {
            finalBlock.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
        }

        /// A header field of the final response, case-insensitive; the last one if repeated.
        func header(_ name: String) -> String? {
            headers(name).last
        }

        func headers(_ name: String) -> [String] {
            finalBlock.dropFirst().compactMap { line in
                guard let colon = line.firstIndex(of: ":"),
                      line[..<colon].lowercased() == name.lowercased() else { return nil }
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }

        var bodyText: String { String(decoding: body, as: UTF8.self) }

        /// The body parsed as a JSON object.
        func json() throws -> [String: Any] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: body) as? [String: Any], "not a JSON object: \(bodyText)")
        }

        private var finalBlock: [String] {
            let blocks = headerDump.replacingOccurrences(of: "\r\n", with: "\n")
                .components(separatedBy: "\n\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
            return blocks.last?.split(separator: "\n").map(String.init) ?? []
        }
    }

    static let path = "/usr/bin/curl"

    /// Runs curl with `arguments` (URL included); the body goes to a file, headers to another.
    static func run(_ arguments: [String], timeout: TimeInterval = 60) throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sid-curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let headerFile = directory.appendingPathComponent("headers").path
        let bodyFile = directory.appendingPathComponent("body").path
        let hasOutput = arguments.contains("-o") || arguments.contains("--output")
        var full = ["-sS", "-D", headerFile]
        if !hasOutput { full += ["-o", bodyFile] }
        let output = try Subprocess.run(path, full + arguments, timeout: timeout)
        return Result(exitCode: output.status, writeOut: output.stdout,
                      headerDump: (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? "",
                      body: FileManager.default.contents(atPath: bodyFile) ?? Data(), stderr: output.stderr)
    }
}
