/// The colour metadata a DNG needs to render neutral grey neutral: Adobe's D65 matrix and the neutral as shot.
struct CameraColour: Sendable {
    /// XYZ(D65)-to-camera matrix, row-major (DNG ColorMatrix1 with CalibrationIlluminant1 D65).
    let colorMatrix: [Double]
    /// Camera RGB of a neutral surface under the shot's light, green 1 (DNG AsShotNeutral).
    let asShotNeutral: [Double]

    /// The Sony ILCE-7SM2 (SID's Bayer camera): Adobe's matrix (also in dnglab's a7sm2.toml) and the reciprocal of
    /// the camera's daylight white balance (2.5586, 1, 1.5313).
    static let sonyA7SII = CameraColour(
        colorMatrix: [0.5838, -0.1430, -0.0246, -0.3497, 1.1477, 0.2297, -0.0748, 0.1885, 0.5778],
        asShotNeutral: [1 / 2.5585938, 1, 1 / 1.53125])

    /// The Fujifilm X-T2 (SID's X-Trans camera): Adobe's matrix (as in LibRaw's table), shot under D65, so the
    /// neutral is the camera's response to D65 white that the matrix itself predicts.
    static let fujiXT2 = CameraColour(
        colorMatrix: fujiXT2Matrix, asShotNeutral: responseToD65White(fujiXT2Matrix))

    private static let fujiXT2Matrix = [1.1434, -0.4948, -0.1210, -0.3746, 1.2042, 0.1903, -0.0666, 0.1479, 0.5235]

    /// D65 white in XYZ with Y = 1.
    private static let d65White = [0.95047, 1.0, 1.08883]

    /// `matrix x D65 white`, scaled to green 1.
    static func responseToD65White(_ matrix: [Double]) -> [Double] {
        let response = (0 ..< 3).map { row in (0 ..< 3).reduce(0.0) { $0 + matrix[row * 3 + $1] * d65White[$1] } }
        return response.map { $0 / response[1] }
    }
}
