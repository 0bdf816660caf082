import Arguments

/// `fotoboxctl process`: placeholder until the crop pipeline lands (issue 2).
let processCommand = Command(
    "process", summary: "crop, de-rotate and colour-correct a photo to the ICAO/BSI profile",
    options: [.value("out", "FILE", help: "where to write the processed JPEG", required: true)],
    positionals: [PositionalSpec("IMAGE", help: "the JPEG to process")],
    action: { _, _ in throw CommandRunner.Failure(.failure, "not implemented yet") })
