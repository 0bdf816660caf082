/// Text tables for people: what the tools print when not asked for JSON.
public enum TextTable {
    /// The rows with each column padded to its widest cell and columns two spaces apart; the last cell of a
    /// row is not padded, so no line ends in spaces it does not need. Widths count characters.
    public static func aligned(_ rows: [[String]]) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
        }
    }
}
