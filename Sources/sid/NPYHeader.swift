/// The Python dict literal of a .npy header: `{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4, 8, 8), }`.
struct NPYHeader {
    let descr: String
    let fortranOrder: Bool
    let shape: [Int]

    init(_ text: String) throws {
        var parser = Parser(characters: Array(text))
        let entries = try parser.dictionary()
        guard case .string(let descr)? = entries["descr"] else { throw NPYError.badHeader("'descr' is missing or not a string") }
        guard case .boolean(let fortranOrder)? = entries["fortran_order"] else {
            throw NPYError.badHeader("'fortran_order' is missing or not True/False")
        }
        guard case .tuple(let shape)? = entries["shape"], shape.allSatisfy({ $0 >= 0 }) else {
            throw NPYError.badHeader("'shape' is missing or not a tuple of sizes")
        }
        self.descr = descr
        self.fortranOrder = fortranOrder
        self.shape = shape
    }

    enum Value {
        case string(String)
        case boolean(Bool)
        case tuple([Int])
    }

    /// Just enough of Python's literal syntax for the three keys numpy writes.
    struct Parser {
        let characters: [Character]
        var position = 0

        mutating func dictionary() throws -> [String: Value] {
            try expect("{")
            var entries: [String: Value] = [:]
            while try peek() != "}" {
                let key = try string()
                try expect(":")
                entries[key] = try value()
                if try peek() == "," { position += 1 }
            }
            position += 1
            return entries
        }

        mutating func value() throws -> Value {
            switch try peek() {
            case "'", "\"": return .string(try string())
            case "(": return .tuple(try tuple())
            default:
                let begin = position
                let word = identifier()
                switch word {
                case "True": return .boolean(true)
                case "False": return .boolean(false)
                default: throw NPYError.badHeader("unexpected '\(word)' at character \(begin)")
                }
            }
        }

        mutating func string() throws -> String {
            let quote = try peek()
            guard quote == "'" || quote == "\"" else { throw NPYError.badHeader("expected a quoted key at character \(position)") }
            position += 1
            let begin = position
            while position < characters.count, characters[position] != quote { position += 1 }
            guard position < characters.count else { throw NPYError.badHeader("a string is not closed") }
            defer { position += 1 }
            return String(characters[begin..<position])
        }

        mutating func tuple() throws -> [Int] {
            try expect("(")
            var items: [Int] = []
            while try peek() != ")" {
                let word = identifier()
                guard let item = Int(word.hasSuffix("L") ? String(word.dropLast()) : word) else {
                    throw NPYError.badHeader("'\(word)' in the shape is not a size")
                }
                items.append(item)
                if try peek() == "," { position += 1 }
            }
            position += 1
            return items
        }

        mutating func identifier() -> String {
            _ = try? peek()
            let begin = position
            while position < characters.count, characters[position].isLetter || characters[position].isNumber
                    || characters[position] == "_" || characters[position] == "-" {
                position += 1
            }
            return String(characters[begin..<position])
        }

        mutating func expect(_ character: Character) throws {
            guard try peek() == character else { throw NPYError.badHeader("expected '\(character)' at character \(position)") }
            position += 1
        }

        /// The next character that is not white space, without consuming it.
        mutating func peek() throws -> Character {
            while position < characters.count, characters[position].isWhitespace { position += 1 }
            guard position < characters.count else { throw NPYError.badHeader("it ends early") }
            return characters[position]
        }
    }
}
