import Foundation
@testable import SIDDecoderIsolation
import SIDTestSupport
import XCTest

/// The process plumbing under `IsolatedRawDecoder`, with small system programs as helpers.
final class HelperProcessTests: XCTestCase {
    private func start(_ command: [String], seconds: Double = 10) throws -> HelperProcess {
        try HelperProcess(command: command, environment: [:], deadline: .now + .milliseconds(Int(seconds * 1000)))
    }

    func testBytesGoInAndComeBack() throws {
        let process = try start(["/bin/cat"])
        let sent = (0 ..< 300_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        // More than the socket buffers hold: cat blocks writing its echo until it is read, so send on a thread.
        let writer = Thread { _ = try? sent.withUnsafeBytes { try process.send($0) }; process.closeInput() }
        writer.start()
        var received = [UInt8](repeating: 0, count: sent.count)
        try received.withUnsafeMutableBytes { try process.receive(into: $0) }
        XCTAssertEqual(received, sent)
        XCTAssertTrue(try process.outputEnds())
        XCTAssertEqual(process.wait(), .exited(0))
    }

    func testExitStatusSignalAndStderrAreReported() throws {
        let failing = try start(["/bin/sh", "-c", "echo 'something went wrong' >&2; exit 3"])
        failing.closeInput()
        XCTAssertTrue(try failing.outputEnds())
        XCTAssertEqual(failing.wait(), .exited(3))
        XCTAssertEqual(String(decoding: failing.errorHead, as: UTF8.self), "something went wrong\n")

        let crashing = try start(["/bin/sh", "-c", "kill -SEGV $$"])
        XCTAssertEqual(crashing.wait(), .signalled(SIGSEGV))
        XCTAssertFalse(crashing.wasKilled)
    }

    func testWritingToAHelperThatExitedReturnsFalseWithoutSIGPIPE() throws {
        let process = try start(["/bin/true"])
        let big = [UInt8](repeating: 1, count: 8 << 20)
        // Whatever the timing, 8 MiB cannot all fit in the socket buffer of a process that has exited.
        XCTAssertFalse(try big.withUnsafeBytes { try process.send($0) })
        XCTAssertEqual(process.wait(), .exited(0))
    }

    func testTheDeadlineKillsAHelperThatDoesNotAnswer() throws {
        let started = ContinuousClock.now
        let process = try start(["/bin/sleep", "30"], seconds: 0.3)
        var buffer = [UInt8](repeating: 0, count: 4)
        XCTAssertThrowsError(try buffer.withUnsafeMutableBytes { try process.receive(into: $0) }) { error in
            XCTAssertEqual(error as? HelperProcess.IOFailure, .deadlinePassed)
        }
        XCTAssertEqual(process.wait(), .signalled(SIGKILL))
        XCTAssertTrue(process.passedDeadline)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
    }

    func testAHelperThatLingersAfterClosingItsOutputIsKilledAtTheDeadline() throws {
        let process = try start(["/bin/sh", "-c", "exec >&- ; sleep 30"], seconds: 0.3)
        XCTAssertTrue(try process.outputEnds())
        XCTAssertEqual(process.wait(), .signalled(SIGKILL))
        XCTAssertTrue(process.passedDeadline)
    }

    func testTheHelperGetsOnlyTheStandardDescriptors() throws {
        // A descriptor opened without O_CLOEXEC, as a careless library might, at a number nothing else uses.
        let null = open("/dev/null", O_RDONLY)
        let leaky = dup2(null, 200)
        close(null)
        XCTAssertEqual(leaky, 200)
        defer { close(leaky) }
        let process = try start(["/bin/sh", "-c", "ls /proc/self/fd"])
        process.closeInput()
        var output: [UInt8] = []
        var byte: UInt8 = 0
        while (try? withUnsafeMutableBytes(of: &byte) { try process.receive(into: $0) }) != nil { output.append(byte) }
        XCTAssertEqual(process.wait(), .exited(0))
        let descriptors = String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap { Int($0) }.sorted()
        // ls holds one of its own open while it lists: 3.
        XCTAssertEqual(descriptors, [0, 1, 2, 3])
    }

    func testAMissingExecutableIsAnErrorNotACrash() {
        XCTAssertThrowsError(try start(["/nonexistent/sid", "decode-helper"])) { error in
            guard case let .system(reason)? = error as? HelperProcess.IOFailure else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("cannot start /nonexistent/sid"), reason)
        }
    }

    func testNothingIsLeftBehindOnAnyPath() throws {
        // One of each path first, so lazily opened descriptors of the test process are counted in both.
        _ = try start(["/bin/true"]).wait()
        let descriptors = try ChildProcesses.openDescriptorCount()
        for _ in 0 ..< 3 {
            _ = try start(["/bin/true"]).wait()
            _ = try? start(["/nonexistent"])
            do {
                // Dropped without waiting: deinit kills and reaps it.
                let abandoned = try start(["/bin/sleep", "30"])
                _ = abandoned.pid
            }
            let timedOut = try start(["/bin/sleep", "30"], seconds: 0.05)
            XCTAssertEqual(timedOut.wait(), .signalled(SIGKILL))
        }
        XCTAssertEqual(try ChildProcesses.openDescriptorCount(), descriptors)
        XCTAssertTrue(ChildProcesses.children().filter { ["sleep", "true"].contains($0.name) }.isEmpty,
                      "\(ChildProcesses.children())")
    }
}
