import Foundation
import SIDEngine

/// What the handler learned about a request, for the one log line the server's observer writes after the
/// response. HTTPServer calls `validateHead`, `handle` and the observer for a request on the same connection
/// thread, so the note travels in thread-local storage: no table keyed by connection, nothing to leak.
final class ExchangeNote {
    let requestID: String
    var model: String?
    var ratio: String?
    var queueWait: Duration?
    var timings: StageTimings?
    /// Why the request failed, for errors the service produced.
    var detail: String?

    init(requestID: String) {
        self.requestID = requestID
    }

    private static let key = "sid.exchange-note"

    /// Makes this the current thread's note, replacing any left by an earlier request on the connection.
    func attachToCurrentThread() {
        Thread.current.threadDictionary[Self.key] = self
    }

    /// The current thread's note, removed.
    static func takeFromCurrentThread() -> ExchangeNote? {
        let dictionary = Thread.current.threadDictionary
        defer { dictionary.removeObject(forKey: key) }
        return dictionary[key] as? ExchangeNote
    }
}
