import Foundation
import SIDTestSupport
import XCTest

/// What a hostile upload may cost: a decompression bomb or an impossible size is refused with 422 from its
/// header, before it queues, and the service answers the next request as usual.
final class HostileUploadTests: XCTestCase {
    func testABombIsRefusedWith422BeforeItQueues() throws {
        // A budget the bomb's 99.7 MP fits in, so that its layout is what refuses it.
        let harness = try ServiceHarness { $0.maxMegapixels = 100 }
        let url = "\(harness.baseURL)/v1/enhance?ratio=100"
        let cases: [(String, Data, String)] = [
            ("bomb", HostileTIFF.bomb(), "decompression bomb"),
            ("too-few-bytes", HostileTIFF.bomb(sharedTile: false), "decompression bomb"),
            ("65535x65535", HostileTIFF.claimingSize(width: 65535, height: 65535), "more than the limit"),
            // Sides whose product overflows Int once took the service down (the soak found it).
            ("3355443200x3355443200", HostileTIFF.claimingSize(width: 3_355_443_200, height: 3_355_443_200),
             "more than the limit"),
            ("0x0", HostileTIFF.claimingSize(width: 0, height: 0), "too small"),
            ("1x1", HostileTIFF.claimingSize(width: 1, height: 1), "too small"),
        ]
        for (name, data, phrase) in cases {
            let path = SampleRaws.write("hostile-\(name)-\(UUID().uuidString)", data)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let result = try Curl.run(["--data-binary", "@\(path)", "-w", "\n%{time_total}", url])
            XCTAssertEqual(result.status, 422, "\(name): \(result.bodyText)")
            XCTAssertTrue(result.bodyText.contains(phrase), "\(name): \(result.bodyText)")
            print("\(name): \(data.count) bytes, 422 in \(result.output.split(separator: "\n").last ?? "?") s")
        }
        XCTAssertEqual(harness.metric("sid_jobs_total{outcome=\"failed\"}"), 0, "refused before a worker saw them")
        XCTAssertEqual(harness.metric("sid_http_requests_total{route=\"/v1/enhance\",status=\"422\"}"), Double(cases.count))
        XCTAssertEqual(try Curl.run(["--data-binary", "@\(SampleRaws.small)", url]).status, 200)
    }

    func testTheDefaultPixelBudgetRefusesTheBombBySizeAlone() throws {
        let harness = try ServiceHarness()
        let path = SampleRaws.write("bomb-\(UUID().uuidString)", HostileTIFF.bomb())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try Curl.run(["--data-binary", "@\(path)", "\(harness.baseURL)/v1/enhance?ratio=100"])
        XCTAssertEqual(result.status, 422, result.bodyText)
        XCTAssertTrue(result.bodyText.contains("more than the limit of 64000000"), result.bodyText)
    }
}
