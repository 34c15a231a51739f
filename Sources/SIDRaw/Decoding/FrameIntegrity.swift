/// Whether an unpacked frame holds image data, for the files LibRaw 0.20 "decodes" without an error code: a stripped
/// or cut-off file can come back as an all-zero (or all-constant) frame, or with LibRaw's data-error callback called
/// and success returned. Such a frame would become a black or garbage PNG; it is refused instead.
struct FrameIntegrity {
    /// A sensor with a black offset reads at least the offset plus noise; more than this share of photosites at
    /// exactly 0 means tiles or strips were never filled. (Real raws tried: at most 0.05% zeros with a black
    /// offset; a Blackmagic DNG with its second half zeroed: 50%.)
    static let maximumZeroShareWithBlackOffset = 0.25

    /// Throws `RawDecodingError.damagedImageData` when LibRaw reported corrupt data or the frame holds no image.
    static func check(_ session: LibRawSession, blackLevels: [Float]) throws {
        if session.dataErrorCount > 0 {
            throw RawDecodingError.damagedImageData(reason: "LibRaw found corrupt data while reading the pixels")
        }
        let (constant, zeros, total) = try session.withVisibleArea { origin, pitch, width, height in
            var zeros = 0
            var constant = true
            let first = origin[0]
            for row in 0 ..< height {
                let line = origin + row * pitch
                for col in 0 ..< width {
                    let value = line[col]
                    if value == 0 { zeros += 1 }
                    if value != first { constant = false }
                }
            }
            return (constant ? Int(first) : nil, zeros, width * height)
        }
        if let constant {
            throw RawDecodingError.damagedImageData(reason: "every pixel reads \(constant): the file holds no image")
        }
        let blackOffset = blackLevels.min() ?? 0
        if blackOffset >= 1, Double(zeros) > Self.maximumZeroShareWithBlackOffset * Double(total) {
            let percent = Int((100 * Double(zeros) / Double(total)).rounded())
            throw RawDecodingError.damagedImageData(
                reason: "\(percent)% of the pixels read 0, below the sensor's black level \(Int(blackOffset)): "
                    + "parts of the image are missing")
        }
    }
}
