import CLibRaw

/// One LibRaw decoding context (`libraw_data_t`) for one input; closed when released.
///
/// The thread-safe libraw_r keeps all state in the context, so concurrent decodes each use their own session.
/// The input bytes are not copied: the caller keeps them alive for the session's lifetime.
final class LibRawSession {
    private let handle: UnsafeMutablePointer<libraw_data_t>
    /// Counts LibRaw's data-error callbacks ("data corrupted"): LibRaw 0.20 reports some damaged pixel data only
    /// there and still returns success.
    private let dataErrors = DataErrorCounter()

    /// LibRaw leaves the tiles and strips it cannot read unwritten in the buffer it mallocs, and `FrameIntegrity`
    /// finds them as zeros only if that memory starts zeroed. Fresh pages from mmap are; a heap block recycled from an
    /// earlier decode in the same process is not. A fixed mmap threshold (which also turns off glibc's growing one)
    /// makes every buffer of a frame's size come from fresh pages, and go back to the system when freed.
    private static let freshFrameBuffers: Void = {
        sid_libraw_use_fresh_frame_buffers()
    }()

    init() throws {
        _ = Self.freshFrameBuffers
        // Without these flags LibRaw prints memory and data errors to stderr; the errors reach callers as codes.
        let quiet = LIBRAW_OPIONS_NO_MEMERR_CALLBACK.rawValue | LIBRAW_OPIONS_NO_DATAERR_CALLBACK.rawValue
        guard let handle = libraw_init(UInt32(quiet)) else {
            throw RawDecodingError.libRawFailure(operation: "initialise", reason: "not enough memory")
        }
        self.handle = handle
        libraw_set_dataerror_handler(handle, { context, _, _ in
            guard let context else { return }
            Unmanaged<DataErrorCounter>.fromOpaque(context).takeUnretainedValue().count += 1
        }, Unmanaged.passUnretained(dataErrors).toOpaque())
    }

    /// How many times LibRaw said the data it read was corrupt (its data-error callback) since the session opened.
    var dataErrorCount: Int { dataErrors.count }

    /// LibRaw's `process_warnings` bits.
    var processWarnings: UInt32 { handle.pointee.process_warnings }

    deinit {
        libraw_close(handle)
    }

    /// Parses the header; no pixel memory is allocated yet.
    func open(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { throw RawDecodingError.emptyInput }
        // LibRaw's buffer API takes a mutable pointer but only reads through it.
        let code = libraw_open_buffer(handle, UnsafeMutableRawPointer(mutating: base), bytes.count)
        guard code != LIBRAW_SUCCESS.rawValue else { return }
        let signature = FileSignature(bytes)
        let reason = Self.message(code)
        let readFailed = code == LIBRAW_IO_ERROR.rawValue || code == LIBRAW_DATA_ERROR.rawValue
        if readFailed && signature.isRawContainer {
            throw RawDecodingError.truncatedOrCorrupt(reason: "LibRaw could not read its header (\(reason))")
        }
        if code == LIBRAW_UNSUFFICIENT_MEMORY.rawValue {
            throw RawDecodingError.libRawFailure(operation: "read the header", reason: reason)
        }
        throw RawDecodingError.notARawFile(detectedFormat: signature.phrase, reason: reason)
    }

    /// Reads the pixel data into LibRaw's `raw_image`.
    func unpack() throws {
        let code = libraw_unpack(handle)
        guard code != LIBRAW_SUCCESS.rawValue else { return }
        let reason = Self.message(code)
        switch code {
        case LIBRAW_IO_ERROR.rawValue, LIBRAW_DATA_ERROR.rawValue, LIBRAW_REQUEST_FOR_NONEXISTENT_IMAGE.rawValue:
            throw RawDecodingError.truncatedOrCorrupt(
                reason: "LibRaw reported \"\(reason)\" while reading the pixel data")
        case LIBRAW_FILE_UNSUPPORTED.rawValue, LIBRAW_NOT_IMPLEMENTED.rawValue:
            throw RawDecodingError.undecodablePixelData(reason: reason)
        default:
            throw RawDecodingError.libRawFailure(operation: "read the pixel data", reason: reason)
        }
    }

    var rawWidth: Int { Int(handle.pointee.sizes.raw_width) }
    var rawHeight: Int { Int(handle.pointee.sizes.raw_height) }
    var visibleWidth: Int { Int(handle.pointee.sizes.width) }
    var visibleHeight: Int { Int(handle.pointee.sizes.height) }

    /// How the sensor samples colour, from LibRaw's `filters`, `colors`, `cdesc` and `xtrans`.
    var sensorLayout: SensorLayout {
        let filters = handle.pointee.idata.filters
        let colours = Int(handle.pointee.idata.colors)
        if filters == Self.xTransFilters { return xTransLayout }
        if colours == 1 { return .monochrome }
        if filters == 0 { return colours >= 3 ? .linear : .other("\(colours) colours per pixel") }
        // dcraw's `filters` values below 1000 code special layouts (1 is Leaf's 16x16 pattern).
        if filters < 1000 { return .other("LibRaw layout code \(filters)") }

        let description = cString(handle.pointee.idata.cdesc)
        // `filters` encodes an 8-row by 2-column pattern: a Bayer sensor repeats it every 2 rows.
        let cellCodes = (0 ..< 4).map { colourIndex(row: $0 / 2, col: $0 % 2) }
        for row in 2 ..< 8 {
            for col in 0 ..< 2 where colourIndex(row: row, col: col) != cellCodes[(row % 2) * 2 + col] {
                return .other("a \(description) pattern repeating over more than 2 rows")
            }
        }
        let cell = cellCodes.compactMap(colour(code:))
        guard cell.count == 4, let pattern = CFAPattern(cell: cell) else {
            let letters = Array(description.utf8)
            let names = cellCodes.map { $0 >= 0 && $0 < letters.count ? String(UnicodeScalar(letters[$0])) : "?" }
            return .other("a 2x2 \(names.joined()) pattern")
        }
        return .bayer(pattern)
    }

    /// LibRaw's `filters` value for a 6x6 pattern held in `idata.xtrans`.
    static let xTransFilters: UInt32 = 9

    /// The 6x6 pattern LibRaw holds in `idata.xtrans`, already shifted to the visible origin.
    private var xTransLayout: SensorLayout {
        let period = XTransPattern.period
        let codes = (0 ..< period * period).map { colourIndex(row: $0 / period, col: $0 % period) }
        let colours = codes.compactMap(colour(code:))
        guard colours.count == codes.count, let pattern = XTransPattern(colours: colours) else {
            return .other("a 6x6 pattern that is not the Fuji X-Trans layout")
        }
        return .xTrans(pattern)
    }

    /// The colour a LibRaw colour index stands for, per `cdesc`; nil for anything but red, green and blue.
    private func colour(code: Int) -> CFAPattern.Colour? {
        let letters = Array(cString(handle.pointee.idata.cdesc).utf8)
        guard code >= 0, code < letters.count else { return nil }
        switch letters[code] {
        case UInt8(ascii: "R"): return .red
        case UInt8(ascii: "G"): return .green
        case UInt8(ascii: "B"): return .blue
        default: return nil
        }
    }

    /// Black per 2x2 cell position and white, as LibRaw reports them, except for the cameras SID was trained on
    /// (see `Self.trainedLevels`).
    ///
    /// LibRaw splits black into `black` (common), `cblack[0...3]` (per colour index, G2 = 3) and an optional pattern
    /// `cblack[6...]` of `cblack[4]` rows by `cblack[5]` columns over visible coordinates (DNG BlackLevel with
    /// BlackLevelRepeatDim lands there until processing folds it into `cblack[0...3]`). A pattern whose period is not
    /// 1 or 2 cannot be expressed per cell position; it is averaged over the positions of each parity.
    /// X-Trans cameras report one black for every photosite; should a file say otherwise, the mean over the 6x6
    /// pattern is used for all of them, as the SID authors' single black does.
    var levels: (black: [Float], white: Float) {
        if let trained = Self.trainedLevels(make: make, model: model) {
            return (Array(repeating: trained.black, count: 4), trained.white)
        }
        let common = Float(handle.pointee.color.black)
        let cblack = perColourBlack
        func black(row: Int, col: Int, pattern: Float) -> Float {
            let index = colourIndex(row: row, col: col)
            let perColour = index >= 0 && index < 4 ? Float(cblack[index]) : 0
            return common + perColour + pattern
        }
        let white = Float(handle.pointee.color.maximum)
        if handle.pointee.idata.filters == Self.xTransFilters {
            let period = XTransPattern.period
            let total = (0 ..< period * period).reduce(Float(0)) { sum, position in
                let row = position / period, col = position % period
                return sum + black(row: row, col: col, pattern: Self.patternBlackAt(cblack, row: row, col: col))
            }
            return (Array(repeating: total / Float(period * period), count: 4), white)
        }
        let blacks = (0 ..< 4).map { position -> Float in
            let row = position / 2, col = position % 2
            return black(row: row, col: col, pattern: Self.patternBlack(cblack, row: row, col: col))
        }
        return (blacks, white)
    }

    var make: String { cString(handle.pointee.idata.make) }
    var model: String { cString(handle.pointee.idata.model) }

    func metadata(layout: SensorLayout) -> RawMetadata {
        let levels = self.levels
        let packed = layout.mosaic?.packedSize(width: visibleWidth, height: visibleHeight) ?? (width: 0, height: 0)
        var metadata = RawMetadata(
            make: make, model: model, width: visibleWidth, height: visibleHeight, rawWidth: rawWidth,
            rawHeight: rawHeight, cfa: layout.name, blackLevels: levels.black, whiteLevel: levels.white,
            exposureTime: Self.decimal(handle.pointee.other.shutter), iso: Self.decimal(handle.pointee.other.iso_speed),
            flip: Int(handle.pointee.sizes.flip), packedWidth: packed.width, packedHeight: packed.height)
        metadata.aperture = Self.decimal(handle.pointee.other.aperture)
        metadata.focalLength = Self.decimal(handle.pointee.other.focal_len)
        metadata.timestamp = max(0, Int(handle.pointee.other.timestamp))
        metadata.lens = cString(handle.pointee.lens.Lens)
        return metadata
    }

    /// Copies the visible area out of `raw_image` (after `unpack`).
    func visiblePixels() throws -> [UInt16] {
        let area = try visibleArea()
        let width = visibleWidth, height = visibleHeight
        return [UInt16](unsafeUninitializedCapacity: width * height) { buffer, count in
            guard let destination = buffer.baseAddress else { count = 0; return }
            for row in 0 ..< height {
                (destination + row * width).initialize(from: area.origin + row * area.pitch, count: width)
            }
            count = width * height
        }
    }

    /// Runs `body` over the visible area (after `unpack`) without copying it: rows of `width` samples, `pitch` apart.
    func withVisibleArea<T>(_ body: (_ origin: UnsafePointer<UInt16>, _ pitch: Int, _ width: Int, _ height: Int) throws -> T)
        throws -> T {
        let area = try visibleArea()
        return try body(UnsafePointer(area.origin), area.pitch, visibleWidth, visibleHeight)
    }

    /// Multiplies the visible signal above black by `ratio` in place, per cell position, clipped to [0, white].
    func amplify(by ratio: Float, black: [Float], white: Float) throws {
        let area = try visibleArea()
        let width = visibleWidth, height = visibleHeight
        for row in 0 ..< height {
            let line = area.origin + row * area.pitch
            for col in 0 ..< width {
                let level = black[(row & 1) * 2 + (col & 1)]
                let value = (Float(line[col]) - level) * ratio + level
                line[col] = UInt16(min(max(value, 0), white).rounded())
            }
        }
    }

    /// The processing parameters, for the baseline renderer to set before `process()`.
    var parameters: libraw_output_params_t {
        get { handle.pointee.params }
        set { handle.pointee.params = newValue }
    }

    /// Runs LibRaw's dcraw-style pipeline and returns its 8- or 16-bit interleaved RGB result.
    func process() throws -> (width: Int, height: Int, pixels: [UInt16]) {
        let code = libraw_dcraw_process(handle)
        guard code == LIBRAW_SUCCESS.rawValue else {
            throw RawDecodingError.libRawFailure(operation: "render the image", reason: Self.message(code))
        }
        var error: Int32 = 0
        guard let image = libraw_dcraw_make_mem_image(handle, &error) else {
            throw RawDecodingError.libRawFailure(operation: "produce the rendered image", reason: Self.message(error))
        }
        defer { libraw_dcraw_clear_mem(image) }
        let width = Int(image.pointee.width), height = Int(image.pointee.height)
        guard image.pointee.type == LIBRAW_IMAGE_BITMAP, image.pointee.colors == 3, image.pointee.bits == 16,
              Int(image.pointee.data_size) >= width * height * 3 * 2 else {
            throw RawDecodingError.libRawFailure(
                operation: "produce the rendered image",
                reason: "expected 16-bit RGB but got \(image.pointee.colors) colours of \(image.pointee.bits) bits")
        }
        // `data` is a C flexible array member holding native-endian 16-bit samples.
        let dataOffset = MemoryLayout<libraw_processed_image_t>.offset(of: \.data) ?? 0
        let samples = UnsafeRawPointer(image).advanced(by: dataOffset)
        let count = width * height * 3
        let pixels = [UInt16](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let destination = buffer.baseAddress {
                UnsafeMutableRawPointer(destination).copyMemory(from: samples, byteCount: count * 2)
            }
            initialized = count
        }
        return (width, height, pixels)
    }

    // MARK: - LibRaw structure access

    /// LibRaw's colour index at a visible coordinate: 0 R, 1 G, 2 B, 3 second G (or per `cdesc` for other sensors).
    private func colourIndex(row: Int, col: Int) -> Int {
        Int(libraw_COLOR(handle, Int32(row), Int32(col)))
    }

    private func visibleArea() throws -> (origin: UnsafeMutablePointer<UInt16>, pitch: Int) {
        let sizes = handle.pointee.sizes
        guard let raw = handle.pointee.rawdata.raw_image else {
            throw RawDecodingError.linearImage
        }
        let pitch = Int(sizes.raw_pitch) / 2
        let top = Int(sizes.top_margin), left = Int(sizes.left_margin)
        guard pitch >= Int(sizes.raw_width), top + Int(sizes.height) <= Int(sizes.raw_height),
              left + Int(sizes.width) <= Int(sizes.raw_width) else {
            throw RawDecodingError.truncatedOrCorrupt(reason: "its visible area does not fit inside the sensor data")
        }
        return (raw + top * pitch + left, pitch)
    }

    /// `color.cblack` (4104 unsigned) is too large for Swift's C importer, so it is read at its offset: it ends
    /// where `color.black` begins.
    private var perColourBlack: UnsafeBufferPointer<UInt32> {
        let colourOffset = MemoryLayout<libraw_data_t>.offset(of: \.color)!
        let blackOffset = MemoryLayout<libraw_colordata_t>.offset(of: \.black)!
        let count = Int(LIBRAW_CBLACK_SIZE)
        let start = UnsafeRawPointer(handle).advanced(by: colourOffset + blackOffset - count * 4)
        return UnsafeBufferPointer(start: start.assumingMemoryBound(to: UInt32.self), count: count)
    }

    /// The pattern black averaged over the visible positions of one 2x2 cell position's parity.
    static func patternBlack(_ cblack: UnsafeBufferPointer<UInt32>, row: Int, col: Int) -> Float {
        let rows = Int(cblack[4]), cols = Int(cblack[5])
        guard rows > 0, cols > 0, 6 + rows * cols <= cblack.count else { return 0 }
        let rowPeriod = rows % 2 == 0 ? rows : rows * 2
        let colPeriod = cols % 2 == 0 ? cols : cols * 2
        var sum: Float = 0
        var samples: Float = 0
        for y in stride(from: row, to: rowPeriod, by: 2) {
            for x in stride(from: col, to: colPeriod, by: 2) {
                sum += Float(cblack[6 + (y % rows) * cols + x % cols])
                samples += 1
            }
        }
        return samples > 0 ? sum / samples : 0
    }

    /// The pattern black at one visible position.
    static func patternBlackAt(_ cblack: UnsafeBufferPointer<UInt32>, row: Int, col: Int) -> Float {
        let rows = Int(cblack[4]), cols = Int(cblack[5])
        guard rows > 0, cols > 0, 6 + rows * cols <= cblack.count else { return 0 }
        return Float(cblack[6 + (row % rows) * cols + col % cols])
    }

    /// The cameras SID was trained on, with the levels the authors' code uses whatever the file says:
    /// the Sony A7S II (black 512, white 16383) and the Fuji X-T2 (black 1024, white 16383).
    static let trainedCameras: [(make: String, model: String, black: Float, white: Float)] = [
        ("sony", "ILCE-7SM2", 512, 16383),
        ("fujifilm", "X-T2", 1024, 16383),
    ]

    static func trainedLevels(make: String, model: String) -> (black: Float, white: Float)? {
        let make = make.lowercased()
        return trainedCameras.first { $0.make == make && $0.model == model }.map { ($0.black, $0.white) }
    }

    private func cString<T>(_ field: T) -> String {
        withUnsafeBytes(of: field) { bytes in
            let end = bytes.firstIndex(of: 0) ?? bytes.count
            return String(decoding: bytes[..<end], as: UTF8.self)
        }
    }

    /// LibRaw stores exposure and ISO as Float; the shortest decimal that round-trips is the value the file meant.
    private static func decimal(_ value: Float) -> Double {
        value.isFinite ? Double(value.description) ?? Double(value) : 0
    }

    static func message(_ code: Int32) -> String {
        String(cString: libraw_strerror(code))
    }
}

/// The data-error callback's counter; a class so the C callback can reach it through one pointer.
private final class DataErrorCounter {
    var count = 0
}

extension RawDecodingError {
    /// Whether LibRaw reported that an allocation failed, which under an address-space limit is the limit showing.
    public var isLibRawAllocationFailure: Bool {
        guard case let .libRawFailure(_, reason) = self else { return false }
        return reason == LibRawSession.message(LIBRAW_UNSUFFICIENT_MEMORY.rawValue)
    }
}
