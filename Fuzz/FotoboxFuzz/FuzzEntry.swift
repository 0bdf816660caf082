#if FOTOBOX_LIBFUZZER
#if canImport(Glibc)
import Glibc
#endif
import Platform

/// The target of this libFuzzer process, from `FOTOBOX_FUZZ_TARGET` (scripts/fuzz sets it).
private let selected: FuzzTarget = {
    guard let name = getenv("FOTOBOX_FUZZ_TARGET").map({ String(cString: $0) }), let target = FuzzTarget(rawValue: name) else {
        StandardStreams.writeError("fotobox-fuzz: set FOTOBOX_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n")
        exit(2)
    }
    return target
}()

/// libFuzzer's entry: one input, any bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    selected.run(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}
#endif
