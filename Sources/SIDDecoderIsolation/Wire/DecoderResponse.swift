import SIDRaw

/// What the decoder process answers on its stdout: magic, a tag, a length-prefixed header, then the samples.
///
/// The parent treats these bytes as untrusted (the process that wrote them has just parsed a hostile file):
/// `read` checks every field and every size against the parent's own pixel limit before allocating.
enum DecoderResponse {
    case raw(RawImage)
    case rendered(BaselineRendering)
    /// `RawDecoder.metadata`'s answer: no pixels, and any sensor layout (described, not refused).
    case metadata(RawMetadata)
    case failure(RawDecodingError)

    /// "SIDRAWA" and the protocol version.
    static let magic: [UInt8] = Array("SIDRAWA3".utf8)
    /// Magic, tag and header length.
    static let preambleSize = magic.count + 1 + 4
    /// Largest header accepted: a raw's metadata or an error is a few hundred bytes.
    static let maxHeaderBytes = 65536

    private enum Tag: UInt8 {
        case raw = 1, rendered = 2, failure = 3, metadata = 4
    }

    private enum MosaicTag: UInt8 {
        case bayer = 1, xTrans = 2
    }

    /// Writes the whole response through `sink`, the samples straight from their array.
    func write(to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var header = WireWriter()
        let tag: Tag
        switch self {
        case let .raw(image):
            tag = .raw
            Self.writeRawHeader(metadata: image.metadata, mosaic: image.mosaic, into: &header)
        case let .rendered(rendering):
            tag = .rendered
            Self.writeRawHeader(metadata: rendering.metadata, mosaic: rendering.mosaic, into: &header)
            header.append(rendering.ratio)
            header.append(rendering.renderSeconds)
            header.append(UInt32(rendering.image.width))
            header.append(UInt32(rendering.image.height))
        case let .metadata(metadata):
            tag = .metadata
            Self.writeMetadata(metadata, into: &header)
        case let .failure(error):
            tag = .failure
            Self.write(error, into: &header)
        }
        var preamble = WireWriter()
        preamble.append(raw: Self.magic)
        preamble.append(tag.rawValue)
        preamble.append(UInt32(header.bytes.count))
        try (preamble.bytes + header.bytes).withUnsafeBytes(sink)
        switch self {
        case let .raw(image): try image.pixels.withUnsafeBytes(sink)
        case let .rendered(rendering): try rendering.image.pixels.withUnsafeBytes(sink)
        case .failure, .metadata: break
        }
    }

    /// The whole response as bytes (for tests and small answers).
    var bytes: [UInt8] {
        var bytes: [UInt8] = []
        // The sink only appends, so it cannot fail.
        try? write { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Reads one response through `source`, which must fill each buffer it is given or throw. Images larger than
    /// `maxPixels` (raw: visible and sensor area; rendered: the output) are refused before their samples are read.
    static func read(from source: (UnsafeMutableRawBufferPointer) throws -> Void, maxPixels: Int) throws
        -> DecoderResponse {
        var preamble = [UInt8](repeating: 0, count: preambleSize)
        try preamble.withUnsafeMutableBytes(source)
        guard preamble.starts(with: magic) else { throw DecoderWireError.wrongMagic }
        var preambleReader = WireReader(Array(preamble.dropFirst(magic.count)))
        let tagValue = try preambleReader.read(UInt8.self, "the response kind")
        guard let tag = Tag(rawValue: tagValue) else {
            throw DecoderWireError.outOfRange("the response kind is \(tagValue)")
        }
        let headerLength = try preambleReader.readCount("the header length", limit: maxHeaderBytes)
        var header = [UInt8](repeating: 0, count: headerLength)
        try header.withUnsafeMutableBytes(source)
        var reader = WireReader(header)

        let response: DecoderResponse
        switch tag {
        case .raw:
            let fields = try readRawHeader(&reader, maxPixels: maxPixels)
            try reader.expectEnd("the raw header")
            let pixels = try readSamples(count: fields.metadata.width * fields.metadata.height, from: source)
            response = .raw(RawImage(metadata: fields.metadata, pixels: pixels, mosaic: fields.mosaic))
        case .rendered:
            let fields = try readRawHeader(&reader, maxPixels: maxPixels)
            let ratio = try reader.readFloat("the ratio")
            guard ratio.isFinite, ratio > 0, ratio <= ExposureRatio.maximum else {
                throw DecoderWireError.outOfRange("the ratio is \(ratio)")
            }
            let seconds = try reader.readDouble("the rendering time")
            guard seconds.isFinite, seconds >= 0 else { throw DecoderWireError.outOfRange("the rendering time is \(seconds)") }
            let width = Int(try reader.read(UInt32.self, "the rendered width"))
            let height = Int(try reader.read(UInt32.self, "the rendered height"))
            try reader.expectEnd("the rendered header")
            try checkArea(width: width, height: height, maxPixels: maxPixels, what: "the rendered image")
            let pixels = try readSamples(count: width * height * 3, from: source)
            response = .rendered(BaselineRendering(
                image: RGBImage16(width: width, height: height, pixels: pixels), metadata: fields.metadata,
                mosaic: fields.mosaic, ratio: ratio, renderSeconds: seconds))
        case .metadata:
            let metadata = try readMetadata(&reader)
            try reader.expectEnd("the metadata")
            response = .metadata(metadata)
        case .failure:
            let error = try readError(&reader)
            try reader.expectEnd("the error")
            response = .failure(error)
        }
        return response
    }

    /// Reads a response held in `bytes`, which must hold exactly one.
    static func read(_ bytes: [UInt8], maxPixels: Int) throws -> DecoderResponse {
        var offset = 0
        let response = try read(from: { buffer in
            guard bytes.count - offset >= buffer.count else {
                throw DecoderWireError.truncated("\(buffer.count) more bytes were expected, \(bytes.count - offset) remain")
            }
            bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset ..< offset + buffer.count])) }
            offset += buffer.count
        }, maxPixels: maxPixels)
        guard offset == bytes.count else {
            throw DecoderWireError.outOfRange("\(bytes.count - offset) unexpected bytes follow the response")
        }
        return response
    }

    // MARK: - Images

    private static func writeRawHeader(metadata: RawMetadata, mosaic: MosaicPattern, into writer: inout WireWriter) {
        writeMetadata(metadata, into: &writer)
        switch mosaic {
        case let .bayer(pattern):
            writer.append(MosaicTag.bayer.rawValue)
            writer.append(UInt8(CFAPattern.allCases.firstIndex(of: pattern) ?? 0))
        case let .xTrans(pattern):
            writer.append(MosaicTag.xTrans.rawValue)
            writer.append(raw: pattern.colours.map(\.rawValue))
        }
    }

    private static func writeMetadata(_ metadata: RawMetadata, into writer: inout WireWriter) {
        for value in [metadata.width, metadata.height, metadata.rawWidth, metadata.rawHeight,
                      metadata.packedWidth, metadata.packedHeight] {
            writer.append(UInt32(clamping: value))
        }
        writer.append(metadata.make)
        writer.append(metadata.model)
        writer.append(metadata.cfa)
        writer.append(metadata.blackLevels)
        writer.append(metadata.whiteLevel)
        writer.append(metadata.exposureTime)
        writer.append(metadata.iso)
        writer.append(metadata.aperture)
        writer.append(metadata.focalLength)
        writer.append(Int64(metadata.timestamp))
        writer.append(metadata.lens)
        writer.append(Int32(clamping: metadata.flip))
    }

    /// Metadata as written, every number checked: finite, sizes within 32 bits, a dcraw orientation code (0 to 7).
    private static func readMetadata(_ reader: inout WireReader) throws -> RawMetadata {
        let sizes = try ["the width", "the height", "the sensor width", "the sensor height", "the packed width",
                         "the packed height"].map { Int(try reader.read(UInt32.self, $0)) }
        let make = try reader.readString("the make")
        let model = try reader.readString("the model")
        let cfa = try reader.readString("the colour filter")
        let black = try reader.readFloats("black levels")
        let white = try reader.readFloat("the white level")
        let exposure = try reader.readDouble("the exposure time")
        let iso = try reader.readDouble("the ISO")
        let aperture = try reader.readDouble("the aperture")
        let focalLength = try reader.readDouble("the focal length")
        let timestamp = try reader.read(Int64.self, "the capture time")
        let lens = try reader.readString("the lens")
        let flip = Int(try reader.read(Int32.self, "the orientation"))
        guard [exposure, iso, aperture, focalLength].allSatisfy({ $0.isFinite && $0 >= 0 }), white.isFinite,
              black.allSatisfy(\.isFinite) else {
            throw DecoderWireError.outOfRange("a level, the exposure time, ISO, aperture or focal length is not a finite number")
        }
        guard timestamp >= 0 else { throw DecoderWireError.outOfRange("the capture time is \(timestamp)") }
        guard (0 ... 7).contains(flip) else { throw DecoderWireError.outOfRange("the orientation code is \(flip)") }
        var metadata = RawMetadata(
            make: make, model: model, width: sizes[0], height: sizes[1], rawWidth: sizes[2], rawHeight: sizes[3],
            cfa: cfa, blackLevels: black, whiteLevel: white, exposureTime: exposure, iso: iso, flip: flip,
            packedWidth: sizes[4], packedHeight: sizes[5])
        metadata.aperture = aperture
        metadata.focalLength = focalLength
        metadata.timestamp = Int(timestamp)
        metadata.lens = lens
        return metadata
    }

    /// The metadata the in-process decoder would have made: `cfa` and the packed size follow from the mosaic.
    private static func readRawHeader(_ reader: inout WireReader, maxPixels: Int) throws
        -> (metadata: RawMetadata, mosaic: MosaicPattern) {
        var metadata = try readMetadata(&reader)
        let width = metadata.width, height = metadata.height
        try checkArea(width: width, height: height, maxPixels: maxPixels, what: "the visible area")
        guard Self.area(metadata.rawWidth, metadata.rawHeight) <= maxPixels else {
            throw DecoderWireError.outOfRange(
                "the sensor area \(metadata.rawWidth)x\(metadata.rawHeight) is more than \(maxPixels) pixels")
        }
        let black = metadata.blackLevels, white = metadata.whiteLevel
        guard black.count == 4 else { throw DecoderWireError.outOfRange("\(black.count) black levels instead of 4") }
        do {
            try RawDecoder.checkLevels(black: black, white: white)
        } catch {
            throw DecoderWireError.outOfRange("the levels are unusable (black \(black), white \(white))")
        }
        let mosaic = try readMosaic(&reader)
        let packed = mosaic.packedSize(width: width, height: height)
        guard packed.width >= BayerPacker.minimumPackedSide, packed.height >= BayerPacker.minimumPackedSide else {
            throw DecoderWireError.outOfRange("a \(width)x\(height) \(mosaic.name) mosaic is too small to pack")
        }
        metadata.cfa = mosaic.name
        metadata.packedWidth = packed.width
        metadata.packedHeight = packed.height
        return (metadata, mosaic)
    }

    private static func readMosaic(_ reader: inout WireReader) throws -> MosaicPattern {
        let tagValue = try reader.read(UInt8.self, "the mosaic kind")
        switch MosaicTag(rawValue: tagValue) {
        case .bayer:
            let index = Int(try reader.read(UInt8.self, "the Bayer pattern"))
            guard index < CFAPattern.allCases.count else {
                throw DecoderWireError.outOfRange("the Bayer pattern code is \(index)")
            }
            return .bayer(CFAPattern.allCases[index])
        case .xTrans:
            let count = XTransPattern.period * XTransPattern.period
            let colours = try (0 ..< count).map { _ -> CFAPattern.Colour in
                let code = try reader.read(UInt8.self, "the X-Trans pattern")
                guard let colour = CFAPattern.Colour(rawValue: code) else {
                    throw DecoderWireError.outOfRange("the X-Trans colour code is \(code)")
                }
                return colour
            }
            guard let pattern = XTransPattern(colours: colours) else {
                throw DecoderWireError.outOfRange("the 6x6 pattern is not the X-Trans layout")
            }
            return .xTrans(pattern)
        case nil:
            throw DecoderWireError.outOfRange("the mosaic kind is \(tagValue)")
        }
    }

    private static func checkArea(width: Int, height: Int, maxPixels: Int, what: String) throws {
        guard width > 0, height > 0, area(width, height) <= maxPixels else {
            throw DecoderWireError.outOfRange("\(what) is \(width)x\(height), not 1 to \(maxPixels) pixels")
        }
    }

    /// `width * height`, or `Int.max` where that overflows (two 32-bit sides can).
    private static func area(_ width: Int, _ height: Int) -> Int {
        let (product, overflow) = width.multipliedReportingOverflow(by: height)
        return overflow ? Int.max : product
    }

    private static func readSamples(count: Int, from source: (UnsafeMutableRawBufferPointer) throws -> Void) throws
        -> [UInt16] {
        try [UInt16](unsafeUninitializedCapacity: count) { buffer, initialized in
            try source(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    // MARK: - Errors

    private static func write(_ error: RawDecodingError, into writer: inout WireWriter) {
        func int(_ value: Int) { writer.append(Int64(value)) }
        switch error {
        case .emptyInput:
            writer.append(UInt8(0))
        case let .notARawFile(detectedFormat, reason):
            writer.append(UInt8(1))
            writer.append(UInt8(detectedFormat == nil ? 0 : 1))
            writer.append(detectedFormat ?? "")
            writer.append(reason)
        case let .truncatedOrCorrupt(reason):
            writer.append(UInt8(2))
            writer.append(reason)
        case let .undecodablePixelData(reason):
            writer.append(UInt8(3))
            writer.append(reason)
        case let .damagedImageData(reason):
            writer.append(UInt8(16))
            writer.append(reason)
        case .xTransSensor:
            writer.append(UInt8(4))
        case .monochromeSensor:
            writer.append(UInt8(5))
        case .linearImage:
            writer.append(UInt8(6))
        case let .unsupportedColorFilter(layout):
            writer.append(UInt8(7))
            writer.append(layout)
        case let .tooSmall(width, height):
            writer.append(UInt8(8))
            int(width)
            int(height)
        case let .tooManyPixels(width, height, limit):
            writer.append(UInt8(9))
            int(width)
            int(height)
            int(limit)
        case let .invalidLevels(blackLevels, whiteLevel):
            writer.append(UInt8(10))
            writer.append(Array(blackLevels.prefix(WireReader.maxFloats)))
            writer.append(whiteLevel)
        case let .libRawFailure(operation, reason):
            writer.append(UInt8(11))
            writer.append(operation)
            writer.append(reason)
        case let .decoderCrashed(signal):
            writer.append(UInt8(12))
            writer.append(signal)
        case let .decoderTimedOut(seconds):
            writer.append(UInt8(13))
            writer.append(seconds)
        case let .decoderOutOfMemory(limitMegabytes):
            writer.append(UInt8(14))
            int(limitMegabytes)
        case let .decoderMalfunction(reason):
            writer.append(UInt8(15))
            writer.append(reason)
        }
    }

    private static func readError(_ reader: inout WireReader) throws -> RawDecodingError {
        func int(_ what: String) throws -> Int {
            let value = try reader.read(Int64.self, what)
            guard value >= 0, value <= Int64(Int32.max) else { throw DecoderWireError.outOfRange("\(what) is \(value)") }
            return Int(value)
        }
        let tag = try reader.read(UInt8.self, "the error kind")
        switch tag {
        case 0: return .emptyInput
        case 1:
            let hasFormat = try reader.read(UInt8.self, "whether a format was detected")
            let format = try reader.readString("the detected format")
            let reason = try reader.readString("the reason")
            guard hasFormat <= 1 else { throw DecoderWireError.outOfRange("the detected-format flag is \(hasFormat)") }
            return .notARawFile(detectedFormat: hasFormat == 1 ? format : nil, reason: reason)
        case 2: return .truncatedOrCorrupt(reason: try reader.readString("the reason"))
        case 3: return .undecodablePixelData(reason: try reader.readString("the reason"))
        case 4: return .xTransSensor
        case 5: return .monochromeSensor
        case 6: return .linearImage
        case 7: return .unsupportedColorFilter(layout: try reader.readString("the layout"))
        case 8: return .tooSmall(width: try int("the width"), height: try int("the height"))
        case 9:
            return .tooManyPixels(width: try int("the width"), height: try int("the height"),
                                  limit: try int("the limit"))
        case 10:
            return .invalidLevels(blackLevels: try reader.readFloats("black levels"),
                                  whiteLevel: try reader.readFloat("the white level"))
        case 11:
            return .libRawFailure(operation: try reader.readString("the operation"),
                                  reason: try reader.readString("the reason"))
        case 12: return .decoderCrashed(signal: try reader.read(Int32.self, "the signal"))
        case 13: return .decoderTimedOut(seconds: try reader.readDouble("the seconds"))
        case 14: return .decoderOutOfMemory(limitMegabytes: try int("the memory limit"))
        case 15: return .decoderMalfunction(reason: try reader.readString("the reason"))
        case 16: return .damagedImageData(reason: try reader.readString("the reason"))
        default: throw DecoderWireError.outOfRange("the error kind is \(tag)")
        }
    }
}
