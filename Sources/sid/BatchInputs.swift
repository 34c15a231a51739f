import Foundation

/// The raws an `sid enhance` batch reads, each with the image it writes: files as named, folders listed (with
/// `--recursive`, their subfolders too), in a stable order.
struct BatchInputs {
    struct Item {
        let input: String
        let output: String
    }

    /// Extensions taken from folders (files named on the command line are taken whatever they are called).
    static let rawExtensions: Set<String> = [
        "3fr", "ari", "arw", "bay", "cap", "cr2", "cr3", "crw", "dcr", "dcs", "dng", "erf", "fff", "iiq", "k25",
        "kdc", "mdc", "mef", "mos", "mrw", "nef", "nrw", "orf", "pef", "ptx", "raf", "raw", "rw2", "rwl", "sr2",
        "srf", "srw", "x3f",
    ]

    let items: [Item]

    /// - Parameters:
    ///   - paths: files and folders as given.
    ///   - outputDirectory: where PNGs go (a file in a folder keeps its path below that folder); nil: beside each raw.
    ///   - explicitOutput: `--output` for a single file.
    ///   - fileExtension: of the images written (png, jpg, tiff).
    init(paths: [String], recursive: Bool, outputDirectory: String?, explicitOutput: String?,
         fileExtension: String = "png") throws {
        var items: [Item] = []
        let files = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard files.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw BatchInputError("\(path): no such file or folder")
            }
            if !isDirectory.boolValue {
                let output = explicitOutput ?? Self.output(for: (path as NSString).lastPathComponent,
                                                           in: outputDirectory ?? (path as NSString).deletingLastPathComponent,
                                                           fileExtension: fileExtension)
                items.append(Item(input: path, output: output))
                continue
            }
            for relative in try Self.raws(in: path, recursive: recursive) {
                let input = (path as NSString).appendingPathComponent(relative)
                let base = outputDirectory.map { ($0 as NSString).appendingPathComponent((relative as NSString).deletingLastPathComponent) }
                    ?? (input as NSString).deletingLastPathComponent
                items.append(Item(input: input, output: Self.output(for: (relative as NSString).lastPathComponent, in: base,
                                                                              fileExtension: fileExtension)))
            }
        }
        var seen: [String: String] = [:]
        for item in items {
            if let other = seen[item.output] {
                throw BatchInputError("\(other) and \(item.input) would both be written to \(item.output)")
            }
            seen[item.output] = item.input
        }
        self.items = items
    }

    /// Raw files below `folder`, as paths relative to it, sorted.
    static func raws(in folder: String, recursive: Bool) throws -> [String] {
        let names: [String]
        do {
            names = recursive ? (FileManager.default.subpaths(atPath: folder) ?? [])
                : try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw BatchInputError("\(folder): the folder cannot be read")
        }
        return names.filter { name in
            var isDirectory: ObjCBool = false
            let path = (folder as NSString).appendingPathComponent(name)
            return rawExtensions.contains((name as NSString).pathExtension.lowercased())
                && FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }.sorted()
    }

    static func output(for name: String, in directory: String, fileExtension: String) -> String {
        let stem = (name as NSString).deletingPathExtension + "." + fileExtension
        return directory.isEmpty ? stem : (directory as NSString).appendingPathComponent(stem)
    }
}

/// A batch that cannot start: a path that does not exist, two inputs writing one PNG.
struct BatchInputError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
