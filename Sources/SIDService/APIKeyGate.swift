import Foundation
import HTTPTypes

/// Who may call /v1/*: the keys of `--api-keys-file` (reloaded on demand, e.g. on SIGHUP) and how many
/// enhancements each key may have in flight at once.
final class APIKeyGate: @unchecked Sendable {
    let path: String
    /// Enhancements one key may have in flight; nil for no limit.
    let maxInFlightPerKey: Int?

    // Guards everything below.
    private let lock = NSLock()
    private var keys = APIKeys(digests: [])
    private var inFlight: [String: Int] = [:]

    /// Nothing is read until `reload()`; until then no key is accepted.
    init(path: String, maxInFlightPerKey: Int?) {
        self.path = path
        self.maxInFlightPerKey = maxInFlightPerKey
    }

    /// Reads the keys file again; on error the keys in use stay as they were. Returns how many keys there are.
    @discardableResult
    func reload() throws -> Int {
        let loaded = try APIKeys.load(path: path)
        lock.lock()
        keys = loaded
        lock.unlock()
        return loaded.digests.count
    }

    static let apiKeyField = HTTPField.Name("X-API-Key")!

    /// The id of the key the request presents, or why it may not call.
    func authenticate(_ head: HTTPRequest) throws -> String {
        guard let key = APIKeys.presented(authorization: head.headerFields[.authorization],
                                          apiKeyHeader: head.headerFields[Self.apiKeyField]), !key.isEmpty else {
            throw ServiceError.unauthorized(invalid: false)
        }
        lock.lock()
        let current = keys
        lock.unlock()
        guard let id = current.identify(key) else { throw ServiceError.unauthorized(invalid: true) }
        return id
    }

    /// Whether the key could start one more enhancement now (a hint, checked before the body is read).
    func hasRoom(for keyID: String) -> Bool {
        guard let maxInFlightPerKey else { return true }
        lock.lock()
        defer { lock.unlock() }
        return inFlight[keyID, default: 0] < maxInFlightPerKey
    }

    /// Counts one more enhancement for the key; false (and nothing counted) when it is at its limit.
    func acquire(_ keyID: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let current = inFlight[keyID, default: 0]
        if let maxInFlightPerKey, current >= maxInFlightPerKey { return false }
        inFlight[keyID] = current + 1
        return true
    }

    func release(_ keyID: String) {
        lock.lock()
        defer { lock.unlock() }
        let remaining = inFlight[keyID, default: 1] - 1
        inFlight[keyID] = remaining > 0 ? remaining : nil
    }
}
