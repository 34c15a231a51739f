import Foundation
import SIDTestSupport
import XCTest

/// A decoder helper that decodes with the real `sid` until its marker file exists, then hangs: a service's
/// warm-up passes, and the requests after `hang()` keep their worker busy (until the decoder timeout).
final class HangingDecoder {
    let executable: String
    private let marker: String

    init() throws {
        let sid = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sid").path
        guard FileManager.default.isExecutableFile(atPath: sid) else {
            XCTFail("no sid executable at \(sid); `swift test` builds it")
            throw XCTSkip("no sid executable")
        }
        let name = UUID().uuidString
        marker = SampleRaws.directory.appendingPathComponent("hang-\(name)").path
        executable = SampleRaws.directory.appendingPathComponent("hanging-decoder-\(name).sh").path
        try "#!/bin/sh\nif [ -e '\(marker)' ]; then exec sleep 30; fi\nexec '\(sid)' \"$@\"\n"
            .write(toFile: executable, atomically: true, encoding: .utf8)
        chmod(executable, 0o755)
    }

    /// From now on every decode hangs.
    func hang() {
        FileManager.default.createFile(atPath: marker, contents: Data())
    }

    deinit {
        try? FileManager.default.removeItem(atPath: marker)
        try? FileManager.default.removeItem(atPath: executable)
    }
}
