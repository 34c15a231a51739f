import Foundation
import XCTest

/// Runs the real /usr/bin/curl, the client the service's users will actually have, and collects exit code,
/// output, the header blocks it received and the final response's status, header fields and body.
public enum Curl {
    public struct Result {
        public var exitCode: Int32
        /// Everything curl wrote to stdout: the body (headers first with `--include`) unless `-o` sent it
        /// elsewhere, then whatever `-w` printed.
        public var output: String { String(decoding: body, as: UTF8.self) }
        /// What curl wrote to stdout, as bytes.
        public var body: Data
        public var stderr: String
        /// Every header block received, interim 100 Continue included, as curl dumped it.
        public var headerDump: String

        /// The status of the final response (0 if none).
        public var status: Int {
            finalBlock.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
        }

        /// A header field of the final response, case-insensitive; the last one if repeated.
        public func header(_ name: String) -> String? {
            headers(name).last
        }

        public func headers(_ name: String) -> [String] {
            finalBlock.dropFirst().compactMap { line in
                guard let colon = line.firstIndex(of: ":"),
                      line[..<colon].lowercased() == name.lowercased() else { return nil }
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }

        public var bodyText: String { output }

        /// The body parsed as a JSON object.
        public func json() throws -> [String: Any] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: body) as? [String: Any], "not a JSON object: \(bodyText)")
        }

        private var finalBlock: [String] {
            let blocks = headerDump.replacingOccurrences(of: "\r\n", with: "\n")
                .components(separatedBy: "\n\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
            return blocks.last?.split(separator: "\n").map(String.init) ?? []
        }
    }

    public static let path = "/usr/bin/curl"

    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// A curl started in the background.
    public final class Running {
        private let process: Subprocess.Running
        private let directory: URL

        fileprivate init(process: Subprocess.Running, directory: URL) {
            self.process = process
            self.directory = directory
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        public func finish(timeout: TimeInterval = 60) throws -> Result {
            let output = try process.finish(timeout: timeout)
            let headers = directory.appendingPathComponent("headers").path
            return Result(exitCode: output.status, body: output.stdoutData, stderr: output.stderr,
                          headerDump: (try? String(contentsOfFile: headers, encoding: .utf8)) ?? "")
        }
    }

    /// Runs curl with `arguments` (URL included).
    public static func run(_ arguments: [String], timeout: TimeInterval = 60) throws -> Result {
        try start(arguments).finish(timeout: timeout)
    }

    public static func start(_ arguments: [String]) throws -> Running {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sid-curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let headers = directory.appendingPathComponent("headers").path
        let process = try Subprocess.start(path, ["-sS", "--noproxy", "*", "-D", headers] + arguments)
        return Running(process: process, directory: directory)
    }
}
