/// Bounds-checked reading of a FlatBuffer (the container format of `.tflite` files).
///
/// Every read names what it reads, so a damaged file produces an error such as
/// "tensor 12 shape at offset 4711 lies outside the file" instead of a trap. Little-endian throughout.
package struct FlatBuffer {
    package let bytes: [UInt8]

    package init(_ bytes: [UInt8]) { self.bytes = bytes }

    var count: Int { bytes.count }

    private func check(_ offset: Int, _ size: Int, _ what: @autoclosure () -> String) throws(TFLiteError) {
        guard offset >= 0, size >= 0, offset <= bytes.count, size <= bytes.count - offset else {
            throw .outOfBounds(what: what(), offset: offset, fileSize: bytes.count)
        }
    }

    func u8(_ at: Int, _ what: @autoclosure () -> String) throws(TFLiteError) -> UInt8 {
        try check(at, 1, what())
        return bytes[at]
    }

    func u16(_ at: Int, _ what: @autoclosure () -> String) throws(TFLiteError) -> UInt16 {
        try check(at, 2, what())
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    func u32(_ at: Int, _ what: @autoclosure () -> String) throws(TFLiteError) -> UInt32 {
        try check(at, 4, what())
        return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }

    func i32(_ at: Int, _ what: @autoclosure () -> String) throws(TFLiteError) -> Int32 {
        Int32(bitPattern: try u32(at, what()))
    }

    func u64(_ at: Int, _ what: @autoclosure () -> String) throws(TFLiteError) -> UInt64 {
        UInt64(try u32(at, what())) | UInt64(try u32(at + 4, what())) << 32
    }

    /// Follows a `uoffset_t` stored at `at` to the position it points to.
    func follow(_ at: Int, _ what: @autoclosure () -> String) throws(TFLiteError) -> Int {
        let target = at + Int(try u32(at, what()))
        try check(target, 4, what())
        return target
    }

    /// The root table (the offset at the start of the file).
    package func root(_ what: String) throws(TFLiteError) -> FlatTable {
        try FlatTable(self, at: try follow(0, what), what: what)
    }

    /// The 4-byte file identifier after the root offset.
    var identifier: String {
        guard bytes.count >= 8 else { return "(file shorter than 8 bytes)" }
        let id = bytes[4..<8]
        if id.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return "\"" + String(decoding: id, as: UTF8.self) + "\"" }
        return id.map { hex($0) }.joined(separator: " ")
    }
}

private func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
}

/// A table: an object with a vtable of field offsets. Absent fields take their schema default.
package struct FlatTable {
    let buffer: FlatBuffer
    package let position: Int
    let what: String
    private let vtable: Int
    private let vtableSize: Int
    private let objectSize: Int

    init(_ buffer: FlatBuffer, at position: Int, what: String) throws(TFLiteError) {
        self.buffer = buffer
        self.position = position
        self.what = what
        let vtable = position - Int(try buffer.i32(position, what + " vtable offset"))
        let vtableSize = Int(try buffer.u16(vtable, what + " vtable"))
        let objectSize = Int(try buffer.u16(vtable + 2, what + " vtable"))
        guard vtableSize >= 4, vtableSize % 2 == 0 else {
            throw .invalidModel("\(what): vtable of \(vtableSize) bytes at offset \(vtable)")
        }
        _ = try buffer.u8(vtable + vtableSize - 1, what + " vtable")
        if objectSize > 0 { _ = try buffer.u8(position + objectSize - 1, what) }
        self.vtable = vtable
        self.vtableSize = vtableSize
        self.objectSize = objectSize
    }

    /// The absolute position of field `index`, or nil when absent.
    package func field(_ index: Int) throws(TFLiteError) -> Int? {
        let entry = 4 + 2 * index
        guard entry + 2 <= vtableSize else { return nil }
        let offset = Int(try buffer.u16(vtable + entry, what + " vtable"))
        guard offset != 0 else { return nil }
        guard offset < max(objectSize, 4) else {
            throw .invalidModel("\(what): field \(index) at \(offset) lies beyond the \(objectSize)-byte object")
        }
        return position + offset
    }

    func u8(_ index: Int, default value: UInt8 = 0) throws(TFLiteError) -> UInt8 {
        guard let at = try field(index) else { return value }
        return try buffer.u8(at, "\(what) field \(index)")
    }

    func i8(_ index: Int, default value: Int8 = 0) throws(TFLiteError) -> Int8 {
        Int8(bitPattern: try u8(index, default: UInt8(bitPattern: value)))
    }

    func i32(_ index: Int, default value: Int32 = 0) throws(TFLiteError) -> Int32 {
        guard let at = try field(index) else { return value }
        return try buffer.i32(at, "\(what) field \(index)")
    }

    func u32(_ index: Int, default value: UInt32 = 0) throws(TFLiteError) -> UInt32 {
        guard let at = try field(index) else { return value }
        return try buffer.u32(at, "\(what) field \(index)")
    }

    func u64(_ index: Int, default value: UInt64 = 0) throws(TFLiteError) -> UInt64 {
        guard let at = try field(index) else { return value }
        return try buffer.u64(at, "\(what) field \(index)")
    }

    package func table(_ index: Int, _ name: String) throws(TFLiteError) -> FlatTable? {
        guard let at = try field(index) else { return nil }
        return try FlatTable(buffer, at: try buffer.follow(at, "\(what) \(name)"), what: "\(what) \(name)")
    }

    /// A vector of `elementSize`-byte elements; its whole extent is checked here.
    package func vector(_ index: Int, _ name: String, elementSize: Int) throws(TFLiteError) -> FlatVector? {
        guard let at = try field(index) else { return nil }
        let start = try buffer.follow(at, "\(what) \(name)")
        let count = Int(try buffer.u32(start, "\(what) \(name) length"))
        guard count <= (buffer.count - start - 4) / elementSize else {
            throw .outOfBounds(what: "\(what) \(name) (\(count) elements)", offset: start, fileSize: buffer.count)
        }
        return FlatVector(buffer: buffer, start: start + 4, count: count, elementSize: elementSize, what: "\(what) \(name)")
    }

    func string(_ index: Int, _ name: String) throws(TFLiteError) -> String? {
        guard let vector = try vector(index, name, elementSize: 1) else { return nil }
        return String(decoding: vector.buffer.bytes[vector.start..<(vector.start + vector.count)], as: UTF8.self)
    }
}

/// A vector whose extent lies inside the buffer (checked at creation).
package struct FlatVector {
    let buffer: FlatBuffer
    package let start: Int
    package let count: Int
    let elementSize: Int
    let what: String

    func i32(_ i: Int) throws(TFLiteError) -> Int32 { try buffer.i32(start + 4 * i, "\(what)[\(i)]") }

    func int32s(limit: Int) throws(TFLiteError) -> [Int] {
        guard count <= limit else { throw .invalidModel("\(what): \(count) entries, at most \(limit) expected") }
        var values = [Int]()
        values.reserveCapacity(count)
        for i in 0..<count { values.append(Int(try i32(i))) }
        return values
    }

    package func table(_ i: Int) throws(TFLiteError) -> FlatTable {
        let name = "\(what)[\(i)]"
        return try FlatTable(buffer, at: try buffer.follow(start + 4 * i, name), what: name)
    }

    var bytes: ArraySlice<UInt8> { buffer.bytes[start..<(start + count * elementSize)] }
}
