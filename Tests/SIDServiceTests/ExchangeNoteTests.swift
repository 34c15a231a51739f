@testable import SIDService
import XCTest

final class ExchangeNoteTests: XCTestCase {
    func testANoteIsTakenOnceAndOnlyOnItsThread() {
        let note = ExchangeNote(requestID: "r-1")
        note.attachToCurrentThread()
        let elsewhere = onNewThread { ExchangeNote.takeFromCurrentThread()?.requestID }
        XCTAssertNil(elsewhere(), "another connection's thread does not see it")
        XCTAssertEqual(ExchangeNote.takeFromCurrentThread()?.requestID, "r-1")
        XCTAssertNil(ExchangeNote.takeFromCurrentThread())
    }

    func testALaterNoteReplacesAnEarlierOne() {
        ExchangeNote(requestID: "first").attachToCurrentThread()
        ExchangeNote(requestID: "second").attachToCurrentThread()
        XCTAssertEqual(ExchangeNote.takeFromCurrentThread()?.requestID, "second")
    }
}
