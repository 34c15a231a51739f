import Dispatch

/// The threads one runner computes with, each with its own scratch memory.
///
/// Every parallel loop of the process runs on Dispatch's one pool of threads (`concurrentPerform`): the C
/// kernels start none of their own, they take a range of work from a caller here.
///
/// Each layer's unit of rows is cut into chunks (of Winograd tiles, pixels or rows) that the threads
/// take in turn; each thread transforms and multiplies its own chunk in its own scratch.
final class ComputePool: @unchecked Sendable {
    let threads: Int
    /// One scratch block per thread, allocated once, never reallocated.
    let scratch: [UnsafeMutablePointer<Float>]
    let scratchCount: Int

    init(threads: Int, scratchFloats: Int) {
        self.threads = max(1, threads)
        self.scratchCount = scratchFloats
        self.scratch = (0..<max(1, threads)).map { _ in
            let block = UnsafeMutablePointer<Float>.allocate(capacity: scratchFloats)
            block.initialize(repeating: 0, count: scratchFloats)
            return block
        }
    }

    deinit {
        scratch.forEach { $0.deallocate() }
    }

    /// Runs `body(item, thread)` for every item in 0..<count, items interleaved over the threads.
    func forEach(_ count: Int, _ body: (Int, Int) -> Void) {
        if threads == 1 || count == 1 {
            for item in 0..<count { body(item, 0) }
            return
        }
        let lanes = min(threads, count)
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            var item = lane
            while item < count {
                body(item, lane)
                item += lanes
            }
        }
    }

    /// Runs `body(item)` for every item in 0..<count on the process's threads, for work that needs no scratch.
    static func concurrently(_ count: Int, _ body: (Int) -> Void) {
        if count == 1 {
            body(0)
            return
        }
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }
}
