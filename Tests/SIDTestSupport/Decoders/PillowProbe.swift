import Foundation
import XCTest

/// Opens an image file with Pillow (python3-pil), an independent decoder, and reports what it found: format, size, mode, the
/// bits per sample the file declares, a few pixels and the metadata a reader would show.
public enum PillowProbe {
    public struct Report: Decodable {
        public let format: String
        public let width: Int
        public let height: Int
        public let mode: String
        public let bits: [Int]
        /// The first pixel and the last, each R, G, B as Pillow decodes them (8-bit for JPEG, 16-bit for 16-bit TIFF).
        public let first: [Int]
        public let last: [Int]
        /// EXIF tag number (as text) -> value, IFD0 for JPEG's APP1 or TIFF's own tags.
        public let tags: [String: String]
        public let exifBytes: Int
        public let subsampling: Int?
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let script = #"""
import json, sys
from PIL import Image, TiffImagePlugin, JpegImagePlugin
image = Image.open(sys.argv[1])
image.load()
bits = [8, 8, 8]
tags = {}
subsampling = None
if image.format == "TIFF":
    bits = list(image.tag_v2.get(258, (8,)))
    source = image.tag_v2
    first = None
    # Pillow reads 16-bit RGB TIFF as 8-bit RGB; the raw strip bytes say what the file holds.
    width, height = image.size
    if bits == [16, 16, 16] and image.tag_v2.get(259, 1) == 1:
        data = open(sys.argv[1], "rb").read()
        offset = image.tag_v2[273][0]
        def sample(index):
            return int.from_bytes(data[offset + 2 * index: offset + 2 * index + 2], "little")
        first = [sample(0), sample(1), sample(2)]
        end = width * height * 3 - 3
        last = [sample(end), sample(end + 1), sample(end + 2)]
    else:
        rgb = image.convert("RGB")
        first = list(rgb.getpixel((0, 0)))
        last = list(rgb.getpixel((width - 1, height - 1)))
else:
    source = image.getexif()
    rgb = image.convert("RGB")
    first = list(rgb.getpixel((0, 0)))
    last = list(rgb.getpixel((image.size[0] - 1, image.size[1] - 1)))
    if image.format == "JPEG":
        subsampling = JpegImagePlugin.get_sampling(image)
for key in (270, 271, 272, 274, 305, 306):
    if key in source:
        tags[str(key)] = str(source[key])
exif = image.info.get("exif", b"")
print(json.dumps({"format": image.format, "width": image.size[0], "height": image.size[1], "mode": image.mode,
                  "bits": bits, "first": first, "last": last, "tags": tags, "exifBytes": len(exif),
                  "subsampling": subsampling}))
"""#

    public static func probe(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> Report {
        guard (try? Subprocess.run("/usr/bin/python3", ["-c", "import PIL"]))?.status == 0 else {
            throw XCTSkip("Pillow is missing: scripts/ci/install-deps.sh installs python3-pil")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("probe-\(UUID().uuidString)")
        try Data(bytes).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let output = try Subprocess.run("/usr/bin/python3", ["-c", script, path.path])
        guard output.status == 0 else {
            XCTFail("Pillow could not open the file: \(output.stderr)", file: file, line: line)
            throw Failure(description: output.stderr)
        }
        return try JSONDecoder().decode(Report.self, from: output.stdoutData)
    }
}
