import SIDEngine
@testable import SIDService
import XCTest

final class ServerTimingTests: XCTestCase {
    func testListsEveryStageInMilliseconds() {
        var timings = StageTimings()
        timings.decode = 0.0123
        timings.pack = 0.001
        timings.forward = 12.5
        timings.encode = 0.00004
        XCTAssertEqual(ServerTiming(queueSeconds: 0.25, timings: timings).headerValue,
                       "queue;dur=250.0, decode;dur=12.3, pack;dur=1.0, forward;dur=12500.0, encode;dur=0.0")
    }
}
