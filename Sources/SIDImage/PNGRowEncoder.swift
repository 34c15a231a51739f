import CPNG
import Dispatch
import Foundation

/// A PNG of an image whose rows become final from the top down over time, as the network writes its output:
/// each stripe of `SID_PNG_STRIPE_ROWS` rows is deflated on a background lane as soon as its rows (and the row
/// above, which the filters read) are final, so when the last row arrives most of the image data is already
/// compressed and `finish` only deflates the last stripes and writes the file.
///
/// The file is byte for byte what `PNGEncoder.encode` makes of the finished image: the same stripes, deflated
/// by the same code, whatever lane or thread did each one.
///
/// The samples must stay where they are, and rows reported finished must not change, until `finish` or
/// `cancel` returns (either waits for the lane's stripe in progress); after that the background touches nothing.
/// One producer calls `rowsFinished`; `finish` and `cancel` come from that same thread.
public final class PNGRowEncoder: @unchecked Sendable {
    public let width: Int
    public let height: Int
    private let encoder: PNGEncoder
    private let bitDepth: Int32
    private let stripes: Stripes
    /// One lane: the forward pass already has every core, so the background only needs to keep up with
    /// it (the network makes a stripe's rows in far longer than a lane deflates them).
    private let lane = DispatchQueue(label: "sid.png.rows")

    init(encoder: PNGEncoder, samples: UnsafeRawPointer, width: Int, height: Int, bitDepth: Int32) throws {
        guard let idat = sid_png_idat_create(samples, UInt32(width), UInt32(height), bitDepth,
                                             Int32(encoder.compressionLevel), encoder.filter.mask) else {
            throw PNGError(status: SID_PNG_OUT_OF_MEMORY, message: "out of memory while preparing the PNG image data")
        }
        self.encoder = encoder
        self.width = width
        self.height = height
        self.bitDepth = bitDepth
        stripes = Stripes(idat)
    }

    deinit {
        cancel()
    }

    /// Rows `0..<rows` hold their final samples: the stripes they complete go to the lane.
    public func rowsFinished(_ rows: Int) {
        let complete = rows >= height ? stripes.count : max(0, rows) / Int(SID_PNG_STRIPE_ROWS)
        // The lane's blocks hold the stripes, not this object, so its last reference never goes on the lane.
        let stripes = self.stripes
        for index in stripes.queue(through: complete) {
            lane.async { stripes.deflate(index) }
        }
    }

    /// Every row is final: deflates the stripes nobody has taken on the encoder's threads, waits for the lane's
    /// stripe in progress, and writes the file with these text chunks and EXIF block.
    public func finish(text: [(String, String)] = [], exif: [UInt8] = []) throws -> [UInt8] {
        guard stripes.end() else {
            throw PNGError(status: SID_PNG_INVALID_ARGUMENT, message: "the PNG was already finished or cancelled")
        }
        let stripes = self.stripes
        let lanes = min(encoder.threads, stripes.count)
        if lanes > 1 {
            DispatchQueue.concurrentPerform(iterations: lanes) { _ in stripes.deflateRest() }
        } else {
            stripes.deflateRest()
        }
        lane.sync {}
        return try encoder.write(stripes.idat, width: width, height: height, bitDepth: bitDepth, text: text, exif: exif)
    }

    /// Gives up: the lane skips what it has not started, and this returns once its stripe in progress is done.
    public func cancel() {
        stripes.takeAll()
        lane.sync {}
    }

    /// The C side's stripes and who has taken which.
    private final class Stripes: @unchecked Sendable {
        let idat: OpaquePointer
        let count: Int
        // Guards everything below.
        private let lock = NSLock()
        /// Stripes some thread has taken, to deflate or (cancelled) to skip.
        private var taken: [Bool]
        /// Stripes handed to the lane so far: the first `queued` ones.
        private var queued = 0
        private var ended = false

        init(_ idat: OpaquePointer) {
            self.idat = idat
            count = Int(sid_png_idat_stripe_count(idat))
            taken = [Bool](repeating: false, count: count)
        }

        deinit {
            sid_png_idat_free(idat)
        }

        /// The stripes to hand to the lane now that the first `complete` ones are final.
        func queue(through complete: Int) -> Range<Int> {
            lock.lock()
            defer { lock.unlock() }
            let first = queued
            if !ended, complete > queued { queued = min(complete, count) }
            return first ..< queued
        }

        func deflate(_ index: Int) {
            if take(index) { _ = sid_png_idat_deflate(idat, UInt32(index)) }
        }

        /// Deflates stripes nobody has taken, in order, until none is left.
        func deflateRest() {
            while let index = takeNext() { _ = sid_png_idat_deflate(idat, UInt32(index)) }
        }

        /// Marks the end of the rows; false if it was marked already.
        func end() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            guard !ended else { return false }
            ended = true
            return true
        }

        func takeAll() {
            lock.lock()
            ended = true
            for index in taken.indices { taken[index] = true }
            lock.unlock()
        }

        private func take(_ index: Int) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            guard !taken[index] else { return false }
            taken[index] = true
            return true
        }

        private func takeNext() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard let index = taken.firstIndex(of: false) else { return nil }
            taken[index] = true
            return index
        }
    }
}
