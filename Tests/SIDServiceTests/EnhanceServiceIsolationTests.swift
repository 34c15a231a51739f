import Foundation
import SIDEngine
import SIDImage
import SIDRaw
import SIDService
import SIDTestSupport
import XCTest

/// Uploads that crash LibRaw, against a service whose decoder runs in `sid decode-helper` processes: each costs
/// only its own request, and the same server goes on answering.
final class EnhanceServiceIsolationTests: XCTestCase {
    static let crashes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/raw-decoder/libraw-crashes")

    func testUploadsThatCrashLibRawGetProblemsAndTheServerServesOn() throws {
        let sid = try Executables.sid()
        let harness = try ServiceHarness { configuration in
            configuration.decoder = .isolated
            configuration.decoderExecutable = sid
        }
        let url = harness.baseURL
        for name in ["parseHassyModel-strcat-overflow.dng", "parse_tiff_ifd-segv.dng"] {
            let path = Self.crashes.appendingPathComponent(name).path
            let result = try Curl.run(["--data-binary", "@\(path)", "-H", "Content-Type: application/octet-stream",
                                       "\(url)/v1/enhance?ratio=100"])
            XCTAssertEqual(result.status, 422, "\(name): \(result.bodyText)")
            XCTAssertEqual(result.header("Content-Type"), "application/problem+json")
            let detail = try result.json()["detail"] as? String ?? ""
            XCTAssertTrue(detail.contains("crashed on this file"), detail)
            XCTAssertEqual(try Curl.run(["\(url)/healthz"]).status, 200)
        }

        let good = SampleRaws.small
        let result = try Curl.run(["--data-binary", "@\(good)", "-H", "Content-Type: application/octet-stream",
                                   "\(url)/v1/enhance?ratio=100"])
        XCTAssertEqual(result.status, 200, result.bodyText)
        // The same PNG as an engine that decodes in-process makes from the same bytes.
        let local = try Enhancer(registry: ServiceHarness.registry(width: 4))
            .enhance(Data(SampleRaws.data(good)), options: EnhanceOptions(ratio: .fixed(100)))
        XCTAssertEqual([UInt8](result.body), local.image)
        XCTAssertEqual(try PNGDecoder().decode([UInt8](result.body)).width, 256)

        XCTAssertEqual(harness.metric("sid_decoder_failures_total{kind=\"crash\"}"), 2)
        XCTAssertEqual(harness.metric("sid_jobs_total{outcome=\"failed\"}"), 2)
        let warnings = harness.log.lines.filter { $0.message == "the raw decoder failed" }
        XCTAssertEqual(warnings.map { $0.metadata["kind"]?.description }, ["crash", "crash"])
    }

    func testAServiceWhoseHelperCannotStartFailsItsWarmUp() throws {
        let harness = try ServiceHarness(load: false) { configuration in
            configuration.decoder = .isolated
            configuration.decoderExecutable = "/nonexistent/sid"
        }
        XCTAssertThrowsError(try harness.load()) { error in
            XCTAssertTrue("\(error)".contains("cannot start /nonexistent/sid"), "\(error)")
        }
        XCTAssertFalse(harness.service.isReady)
    }
}
