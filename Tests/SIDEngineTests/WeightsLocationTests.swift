import SIDEngine
import XCTest

final class WeightsLocationTests: XCTestCase {
    func testExplicitThenEnvironmentThenDefaultDirectory() {
        XCTAssertEqual(WeightsLocation(explicit: ["a.safetensors"], environment: ["SID_WEIGHTS": "b"], fileExists: { _ in true }).files,
                       ["a.safetensors"])
        XCTAssertEqual(WeightsLocation(explicit: [], environment: ["SID_WEIGHTS": "b,c"], fileExists: { _ in true }).files, ["b", "c"])
        XCTAssertEqual(WeightsLocation(explicit: [], environment: [:], fileExists: { $0.hasSuffix("sony.safetensors") }).files,
                       ["weights/sid-sony.safetensors"])
        let none = WeightsLocation(explicit: [], environment: [:], fileExists: { _ in false })
        XCTAssertEqual(none.files, [])
        XCTAssertNotNil(none.notice)
    }
}
