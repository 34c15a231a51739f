import CBLAS
import Dispatch

/// The threads one runner computes with, each with its own scratch memory.
///
/// Parallelism lives here rather than inside OpenBLAS: each thread builds its own im2col block and
/// multiplies it with a single-threaded sgemm, so the data reshuffling around the GEMMs runs in
/// parallel too and no OpenBLAS thread pool competes with ours.
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
        ComputePool.useSingleThreadedBLAS
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

    /// OpenBLAS may be called from several of our threads at once; its own threads would only fight ours.
    private static let useSingleThreadedBLAS: Void = {
        openblas_set_num_threads(1)
    }()
}
