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

    func testTheEnvironmentListIsTrimmedAndEmptyItemsAreIgnored() {
        let spaced = WeightsLocation(explicit: [], environment: ["SID_WEIGHTS": " a.safetensors , b.safetensors,,\t"],
                                     fileExists: { _ in false })
        XCTAssertEqual(spaced.files, ["a.safetensors", "b.safetensors"])
        XCTAssertNil(spaced.notice)
        // Nothing but separators and spaces names no file: the default directory is looked at as when unset.
        let blank = WeightsLocation(explicit: [], environment: ["SID_WEIGHTS": " , "], fileExists: { $0.hasSuffix("sony.safetensors") })
        XCTAssertEqual(blank.files, ["weights/sid-sony.safetensors"])
    }
}
