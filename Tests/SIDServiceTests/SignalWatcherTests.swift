import Foundation
import SIDService
import XCTest

final class SignalWatcherTests: XCTestCase {
    func testDeliversTheSignalToTheHandlerInsteadOfItsDefaultAction() {
        let received = expectation(description: "SIGUSR2 handled")
        let watcher = SignalWatcher(signals: [SIGUSR2]) { number in
            XCTAssertEqual(number, SIGUSR2)
            received.fulfill()
        }
        defer { watcher.cancel() }
        kill(getpid(), SIGUSR2)
        wait(for: [received], timeout: 5)
        XCTAssertEqual(SignalWatcher.name(of: SIGTERM), "SIGTERM")
    }
}
