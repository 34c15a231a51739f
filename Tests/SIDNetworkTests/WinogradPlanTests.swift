@testable import SIDNetwork
import SIDModel
import SIDSamples
import XCTest

final class WinogradPlanTests: XCTestCase {
    func testTextNamesTheF6x6Layers() {
        XCTAssertEqual(WinogradPlan(naming: "all"), .f6x6)
        XCTAssertEqual(WinogradPlan(naming: "none"), .f4x4)
        XCTAssertEqual(WinogradPlan(naming: "conv9_2,conv1_2"), WinogradPlan(f6x6Layers: ["conv1_2", "conv9_2"]))
        // A layer that is not Winograd, a misspelling or an empty name is refused, not quietly dropped.
        for text in ["", "conv1_1", "conv10_1", "conv2_1,bogus", "conv2_1,", " all"] {
            XCTAssertNil(WinogradPlan(naming: text), text)
        }
        XCTAssertEqual(WinogradPlan.winogradLayers.count, 17, "conv1_1 is direct, conv10_1 is 1x1")
    }

    /// The plan reaches each convolution: F(6x6) layers hold 64-point filters and make 6-row units.
    func testPlanChoosesEachLayersAlgorithm() {
        let architecture = SIDArchitecture(model: .sony, width: 4)
        let model = SyntheticWeights.model(architecture, winograd: WinogradPlan(f6x6Layers: ["conv2_2", "conv7_1"]))
        XCTAssertEqual(model.encoder[0].first.algorithm, .direct)
        XCTAssertEqual(model.encoder[0].second.algorithm, .f4x4)
        XCTAssertEqual(model.encoder[1].second.algorithm, .f6x6)
        XCTAssertEqual(model.encoder[1].second.filters.count, 64 * 16 * 32)
        XCTAssertEqual(model.decoder[1].first.algorithm, .f6x6)
        let graph = StreamGraph(model: model, height: 50, width: 40)
        let units = Dictionary(uniqueKeysWithValues: graph.layers.map { ($0.name, $0.unitRows) })
        XCTAssertEqual(units["conv2_2"], 6)
        XCTAssertEqual(units["conv7_1"], 6)
        XCTAssertEqual(units["conv2_1"], 4)
    }
}
