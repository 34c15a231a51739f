import Foundation

/// Properties a harness checks beyond "does not crash": a broken one aborts, which libFuzzer records as a crash.
enum Invariant {
    /// Aborts with `message` on stderr when `condition` does not hold.
    static func require(_ condition: Bool, _ message: @autoclosure () -> String,
                        file: StaticString = #fileID, line: UInt = #line) {
        guard !condition else { return }
        FileHandle.standardError.write(Data("invariant broken at \(file):\(line): \(message())\n".utf8))
        abort()
    }
}
