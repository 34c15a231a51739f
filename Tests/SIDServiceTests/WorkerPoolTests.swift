import Logging
import SIDEngine
import SIDImage
import SIDModel
import SIDNetwork
import SIDRaw
import SIDSamples
@testable import SIDService
import SIDTestSupport
import XCTest

final class WorkerPoolTests: XCTestCase {
    private func makePool(workers: Int = 1, capacity: Int = 1) throws -> WorkerPool {
        let pool = WorkerPool(registry: ServiceHarness.registry(width: 4), workers: workers, threadsPerWorker: 1,
                              maxPixels: 10_000_000, capacity: capacity, metrics: ServiceMetrics(),
                              logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        try pool.start()
        addTeardownBlock {
            pool.stop()
            XCTAssertTrue(pool.waitUntilStopped(timeout: .seconds(30)))
        }
        return pool
    }

    private func job(_ path: String, timeout: Duration = .seconds(60)) -> EnhanceJob {
        EnhanceJob(raw: SampleRaws.data(path)[...], options: EnhanceOptions(ratio: .fixed(100)), queueTimeout: timeout)
    }

    private func result(of job: EnhanceJob) -> Result<EnhanceResult, ServiceError>? {
        job.waitForResult(timeout: .seconds(60))
    }

    func testRunsAJobOnAWarmWorker() throws {
        let pool = try makePool()
        let small = job(SampleRaws.small)
        XCTAssertEqual(pool.submit(small), .accepted)
        let enhanced = try XCTUnwrap(result(of: small)).get()
        XCTAssertEqual(enhanced.model, "sid-sony")
        XCTAssertEqual([enhanced.width, enhanced.height], [256, 192])
        let png = try PNGDecoder().decode([UInt8](enhanced.image))
        XCTAssertEqual([png.width, png.height], [256, 192])
        XCTAssertNotNil(small.queueWait)
    }

    /// With only the Fuji network loaded, a Bayer warm-up raw would have no model: the pool warms on X-Trans.
    func testAFujiOnlyRegistryWarmsUpAndServesXTrans() throws {
        let fuji = SyntheticWeights.model(SIDArchitecture(model: .fuji, width: 4))
        let pool = WorkerPool(registry: ModelRegistry(networks: [SIDModel.fuji.rawValue: fuji]), workers: 1,
                              threadsPerWorker: 1, maxPixels: 10_000_000, capacity: 1,
                              metrics: ServiceMetrics(), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        try pool.start()
        addTeardownBlock {
            pool.stop()
            XCTAssertTrue(pool.waitUntilStopped(timeout: .seconds(30)))
        }
        let raw = try SyntheticScene.fujiXTrans(seed: 2, width: 96, height: 96).makeDNG()
        let xTrans = EnhanceJob(raw: [UInt8](raw)[...], options: EnhanceOptions(ratio: .fixed(50)), queueTimeout: .seconds(60))
        XCTAssertEqual(pool.submit(xTrans), .accepted)
        XCTAssertEqual(try XCTUnwrap(result(of: xTrans)).get().model, SIDModel.fuji.rawValue)
    }

    func testAcceptsOneJobPerIdleWorkerPlusTheQueueThenRefuses() throws {
        let pool = try makePool(workers: 1, capacity: 1)
        let running = job(SampleRaws.large), queued = job(SampleRaws.small), refused = job(SampleRaws.small)
        XCTAssertEqual(pool.submit(running), .accepted)
        XCTAssertEqual(pool.submit(queued), .accepted)
        XCTAssertEqual(pool.submit(refused), .queueFull)
        XCTAssertFalse(pool.hasRoom)
        XCTAssertTrue(pool.cancel(queued), "a queued job can be taken back")
        XCTAssertFalse(pool.cancel(queued), "only once")
        XCTAssertTrue(ServiceHarness.eventually { running.queueWait != nil })
        XCTAssertFalse(pool.cancel(running), "a started job cannot be taken back")
        XCTAssertNoThrow(try XCTUnwrap(result(of: running)).get())
        XCTAssertTrue(ServiceHarness.eventually { pool.hasRoom })
    }

    func testAJobPastItsDeadlineIsDroppedNotRun() throws {
        let pool = try makePool()
        let expired = job(SampleRaws.small, timeout: .zero)
        XCTAssertEqual(pool.submit(expired), .accepted)
        guard case let .failure(error)? = result(of: expired) else { return XCTFail("the expired job ran") }
        XCTAssertEqual(error.status.code, 503)
    }

    func testEngineErrorsComeBackAsServiceErrors() throws {
        let pool = try makePool()
        let tiny = job(SampleRaws.tiny)
        XCTAssertEqual(pool.submit(tiny), .accepted)
        guard case let .failure(error)? = result(of: tiny) else { return XCTFail("a 16x16 raw was enhanced") }
        XCTAssertEqual(error.status.code, 422)
        XCTAssertTrue(error.description.contains("too small"), error.description)
    }

    func testStoppingAnswersWhatIsQueuedAndRunningAndRefusesNewJobs() throws {
        let pool = try makePool(workers: 1, capacity: 2)
        let running = job(SampleRaws.large), queued = job(SampleRaws.small)
        XCTAssertEqual(pool.submit(running), .accepted)
        XCTAssertTrue(ServiceHarness.eventually { running.queueWait != nil })
        XCTAssertEqual(pool.submit(queued), .accepted)
        let abandoned = pool.abandon(with: .draining)
        XCTAssertEqual(abandoned.queued, 1)
        XCTAssertEqual(abandoned.running, 1)
        XCTAssertEqual(try? XCTUnwrap(result(of: queued)).get().width, nil)
        XCTAssertEqual(pool.submit(job(SampleRaws.small)), .stopped)
        // Its client is answered at once; what the worker computes is dropped.
        guard case let .failure(error)? = result(of: running) else { return XCTFail("the running job was not answered") }
        XCTAssertEqual(error, .draining)
    }
}
