import CSQLite

/// A failed SQLite call: the result code, SQLite's message and what the station was doing.
public struct SQLiteError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var context: String

    public var description: String { "\(context): \(message) (SQLite code \(code))" }

    /// The disk (or the file size limit) is full: the write was rolled back, nothing is corrupted.
    public var isDiskFull: Bool { code & 0xff == SQLITE_FULL }
}

/// A value bound to, or read from, an SQL statement.
package enum SQLiteValue: Equatable, Sendable {
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    case null

    package var integer: Int64? { if case .integer(let value) = self { value } else { nil } }
    package var text: String? { if case .text(let value) = self { value } else { nil } }
    package var blob: [UInt8]? { if case .blob(let value) = self { value } else { nil } }
}

/// One SQLite connection. Not thread-safe by itself: the owner serialises access (Outbox holds a lock).
package final class SQLiteDatabase {
    private let handle: OpaquePointer

    /// Opens (creating if needed) the database at `path`.
    package init(path: String) throws(SQLiteError) {
        var handle: OpaquePointer?
        let result = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard result == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw SQLiteError(code: result, message: message, context: "open \(path)")
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs SQL that returns no rows (several statements allowed when there are no parameters).
    package func execute(_ sql: String, _ parameters: [SQLiteValue] = []) throws(SQLiteError) {
        if parameters.isEmpty {
            let result = sqlite3_exec(handle, sql, nil, nil, nil)
            if result != SQLITE_OK { throw error(result, sql) }
            return
        }
        _ = try rows(sql, parameters)
    }

    /// Runs a query and returns every row, each as its column values.
    package func rows(_ sql: String, _ parameters: [SQLiteValue] = []) throws(SQLiteError) -> [[SQLiteValue]] {
        var statement: OpaquePointer?
        let prepared = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard prepared == SQLITE_OK, let statement else { throw error(prepared, sql) }
        defer { sqlite3_finalize(statement) }
        for (offset, value) in parameters.enumerated() {
            let index = Int32(offset + 1)
            let bound: Int32
            switch value {
            case .integer(let number): bound = sqlite3_bind_int64(statement, index, number)
            case .text(let text): bound = sqlite3_bind_text(statement, index, text, -1, fotobox_sqlite_transient())
            case .blob(let bytes):
                bound = bytes.withUnsafeBytes { raw in
                    sqlite3_bind_blob64(statement, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), sqlite3_uint64(raw.count), fotobox_sqlite_transient())
                }
            case .null: bound = sqlite3_bind_null(statement, index)
            }
            if bound != SQLITE_OK { throw error(bound, sql) }
        }
        var result: [[SQLiteValue]] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { return result }
            guard step == SQLITE_ROW else { throw error(step, sql) }
            let columns = sqlite3_column_count(statement)
            var row: [SQLiteValue] = []
            row.reserveCapacity(Int(columns))
            for column in 0..<columns { row.append(value(statement, column)) }
            result.append(row)
        }
    }

    /// The rows changed by the last INSERT, UPDATE or DELETE.
    package var changes: Int { Int(sqlite3_changes(handle)) }

    package var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs `body` in a write transaction (BEGIN IMMEDIATE): committed if it returns, rolled back if it throws.
    package func transaction<T>(_ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    private func value(_ statement: OpaquePointer, _ column: Int32) -> SQLiteValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(statement, column)))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard count > 0, let base = sqlite3_column_blob(statement, column) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: base, count: count)))
        case SQLITE_FLOAT: return .integer(Int64(sqlite3_column_double(statement, column)))
        default: return .null
        }
    }

    private func error(_ code: Int32, _ sql: String) -> SQLiteError {
        let firstWords = sql.split(separator: " ").prefix(3).joined(separator: " ")
        return SQLiteError(code: code, message: String(cString: sqlite3_errmsg(handle)), context: firstWords)
    }
}
