import CJPEG

/// Why a JPEG could not be read or written. Every libjpeg failure arrives here; none exits the process.
public enum JPEGError: Error, Equatable, CustomStringConvertible {
    /// Zero bytes.
    case empty
    /// The bytes are something else (`kind` names it when known, such as "PNG").
    case notJPEG(kind: String)
    /// The header announces an image larger than the decoder accepts; nothing was allocated.
    case tooLarge(width: Int, height: Int, maxPixels: Int)
    /// The stream is damaged or truncated; `reason` is libjpeg's own message.
    case corrupt(reason: String)
    /// The colour space cannot be turned into RGB.
    case unsupportedColourSpace(String)
    /// Samples of more or fewer than 8 bits (12-bit, 16-bit lossless): the station reads 24-bit photos only
    /// (TR-03121: 24-bit sRGB), and the decoder would misread them.
    case unsupportedBitDepth(Int)
    /// Encoding failed (bad size or libjpeg error).
    case encodeFailed(reason: String)

    public var description: String {
        switch self {
        case .empty: return "empty file: no JPEG data"
        case .notJPEG(let kind): return "not a JPEG image: \(kind)"
        case .tooLarge(let w, let h, let limit):
            return "JPEG header announces \(w)×\(h) pixels, more than the \(limit) this station accepts"
        case .corrupt(let reason): return "damaged JPEG: \(reason)"
        case .unsupportedColourSpace(let space): return "JPEG colour space \(space) cannot be converted to RGB"
        case .unsupportedBitDepth(let bits):
            return "JPEG with \(bits)-bit samples: the station reads 8 bits per channel (24-bit sRGB) only"
        case .encodeFailed(let reason): return "JPEG encoding failed: \(reason)"
        }
    }
}

/// DCT-domain downscaling: libjpeg decodes directly at 1/2, 1/4 or 1/8 size, much faster than
/// decoding in full and resizing; used for previews.
public enum JPEGScale: Int, Sendable, CaseIterable {
    case full = 1, half = 2, quarter = 4, eighth = 8
}

/// What the header of a JPEG says, read without decoding the pixels.
public struct JPEGHeader: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Colour components stored: 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK.
    public var components: Int
    /// The EXIF orientation tag, `.up` when absent.
    public var orientation: ExifOrientation
    /// How the colours are stored: what the colourSpace check judges.
    public var colourEncoding: JPEGColourEncoding
    /// Width and height as displayed, after the orientation is applied.
    public var orientedSize: (width: Int, height: Int) {
        orientation.swapsAxes ? (height, width) : (width, height)
    }

    public static func == (a: JPEGHeader, b: JPEGHeader) -> Bool {
        a.width == b.width && a.height == b.height && a.components == b.components && a.orientation == b.orientation
            && a.colourEncoding == b.colourEncoding
    }
}

/// How a JPEG stores its colours, as TR-03121 ("24-bit sRGB") and ICAO judge it: three 8-bit channels, and no
/// embedded profile other than sRGB (a JFIF or Exif file without a profile is sRGB by those formats' rules).
public struct JPEGColourEncoding: Sendable, Equatable, Encodable {
    /// The colour model of the stored samples.
    public enum Model: String, Sendable, Equatable, Encodable {
        case greyscale, yCbCr, rgb, cmyk, ycck
    }
    public var model: Model
    /// Bits per sample (the decoder refuses anything but 8 before this is made).
    public var bitsPerSample: Int
    /// The embedded ICC profile's kind; nil when the file carries none.
    public var iccProfile: ICCProfileKind?

    public init(model: Model, bitsPerSample: Int = 8, iccProfile: ICCProfileKind? = nil) {
        self.model = model
        self.bitsPerSample = bitsPerSample
        self.iccProfile = iccProfile
    }

    /// What the station's own photos are: YCbCr, 8 bits, no profile (sRGB by JFIF).
    public static let stationSRGB = JPEGColourEncoding(model: .yCbCr)
}

/// Written as `{"kind": "sRGB"}` or `{"kind": "notSRGB", "reason": "…"}` (analyze --json).
extension ICCProfileKind: Encodable {
    private enum CodingKeys: String, CodingKey { case kind, reason }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .sRGB: try c.encode("sRGB", forKey: .kind)
        case .notSRGB(let reason): try c.encode("notSRGB", forKey: .kind); try c.encode(reason, forKey: .reason)
        case .unreadable(let reason): try c.encode("unreadable", forKey: .kind); try c.encode(reason, forKey: .reason)
        }
    }
}

/// The segments before the scan, read in Swift before libjpeg sees the data: the frame's sample precision
/// (libjpeg 8-bit builds stop with a generic message on 12- or 16-bit data) and the ICC profile, which
/// APP2 segments carry in numbered chunks. Bounds-checked; anything unusual is left for libjpeg to judge.
struct JPEGSegments {
    var precision: Int?
    var iccProfile: [UInt8]?

    init(_ data: [UInt8]) {
        var chunks: [Int: [UInt8]] = [:]
        var chunkCount = 0
        var i = 2
        scan: while i + 4 <= data.count {
            guard data[i] == 0xFF else { break }
            let marker = data[i + 1]
            if marker == 0xFF { i += 1; continue }
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
            if marker == 0xDA || marker == 0xD9 { break }
            let length = Int(data[i + 2]) << 8 | Int(data[i + 3])
            let start = i + 4, end = i + 2 + length
            guard length >= 2, end <= data.count else { break }
            switch marker {
            case 0xC0...0xCF where marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
                if start < end, precision == nil { precision = Int(data[start]) }
            case 0xE2:
                let tag = Array("ICC_PROFILE".utf8) + [0]
                if end - start >= 14, Array(data[start..<(start + 12)]) == tag {
                    let sequence = Int(data[start + 12])
                    chunkCount = max(chunkCount, Int(data[start + 13]))
                    chunks[sequence] = Array(data[(start + 14)..<end])
                }
            default:
                break
            }
            i = end
            if i > data.count { break scan }
        }
        if chunkCount > 0 {
            var profile: [UInt8] = []
            for n in 1...chunkCount {
                // A missing chunk leaves a profile that cannot be read, which the classifier says.
                profile += chunks[n] ?? []
            }
            iccProfile = profile
        }
    }
}

/// Options for `JPEG.decode`.
public struct JPEGDecodeOptions: Sendable {
    public var scale: JPEGScale
    /// Rotate/flip as the EXIF orientation says, so the image is upright.
    public var honourOrientation: Bool
    /// Images whose header announces more pixels are refused before anything is allocated.
    public var maxPixels: Int

    public init(scale: JPEGScale = .full, honourOrientation: Bool = true, maxPixels: Int = 60_000_000) {
        self.scale = scale
        self.honourOrientation = honourOrientation
        self.maxPixels = maxPixels
    }
}

/// Chroma subsampling of an encoded JPEG.
public enum ChromaSubsampling: Sendable {
    /// Full colour resolution: the final photo (TR-03121 asks for the highest quality).
    case full444
    /// Half resolution in both directions: previews.
    case half420
}

/// The JFIF resolution field.
public struct JFIFDensity: Sendable, Equatable {
    public enum Unit: Int32, Sendable { case aspectOnly = 0, dotsPerInch = 1, dotsPerCentimetre = 2 }
    public var unit: Unit
    public var x: UInt16
    public var y: UInt16

    public init(unit: Unit, x: UInt16, y: UInt16) {
        self.unit = unit
        self.x = x
        self.y = y
    }

    /// Square pixels, no physical size.
    public static let square = JFIFDensity(unit: .aspectOnly, x: 1, y: 1)
}

/// Options for `JPEG.encode`.
public struct JPEGEncodeOptions: Sendable {
    public var quality: Int
    public var subsampling: ChromaSubsampling
    public var density: JFIFDensity
    /// Optimised Huffman tables: a few percent smaller, a little slower.
    public var optimiseCoding: Bool

    public init(quality: Int = 95, subsampling: ChromaSubsampling = .full444, density: JFIFDensity = .square,
                optimiseCoding: Bool = false) {
        self.quality = quality
        self.subsampling = subsampling
        self.density = density
        self.optimiseCoding = optimiseCoding
    }

    /// The final biometric photo: highest quality level, 4:4:4.
    public static let finalPhoto = JPEGEncodeOptions(quality: 100, subsampling: .full444, optimiseCoding: true)
    /// Live preview frames.
    public static let preview = JPEGEncodeOptions(quality: 80, subsampling: .half420)
}

/// JPEG decoding and encoding through libjpeg-turbo.
public enum JPEG {
    /// Memory libjpeg may use for its own work buffers (not the output image).
    static let workingMemoryLimit = 256 << 20

    /// Reads the header only: size, components, EXIF orientation.
    public static func readHeader(_ data: [UInt8]) throws(JPEGError) -> JPEGHeader {
        let segments = try checkSignature(data)
        return try withDecoder(data) { decoder throws(JPEGError) in header(of: decoder, segments: segments) }
    }

    /// Decodes to RGB. Grey images are expanded, CMYK/YCCK converted; the EXIF orientation is applied
    /// unless `options.honourOrientation` is false.
    public static func decode(_ data: [UInt8], options: JPEGDecodeOptions = JPEGDecodeOptions()) throws(JPEGError) -> RGBImage {
        try decodeWithHeader(data, options: options).image
    }

    /// Decodes to RGB and returns the header too: its `colourEncoding` says what the pixels were before they
    /// became RGB (grey, CMYK, a non-sRGB profile), which the colourSpace check needs.
    public static func decodeWithHeader(_ data: [UInt8], options: JPEGDecodeOptions = JPEGDecodeOptions()) throws(JPEGError)
        -> (image: RGBImage, header: JPEGHeader) {
        let segments = try checkSignature(data)
        let (image, header) = try withDecoder(data) { decoder throws(JPEGError) -> (RGBImage, JPEGHeader) in
            let header = Self.header(of: decoder, segments: segments)
            guard header.width > 0, header.height > 0 else { throw .corrupt(reason: "image has no pixels") }
            guard header.width * header.height <= options.maxPixels, header.width <= 65_500, header.height <= 65_500 else {
                throw .tooLarge(width: header.width, height: header.height, maxPixels: options.maxPixels)
            }
            let cmyk: Bool
            switch decoder.pointee.info.jpeg_color_space {
            case JCS_CMYK, JCS_YCCK:
                cmyk = true
                decoder.pointee.info.out_color_space = JCS_CMYK
            case JCS_GRAYSCALE, JCS_YCbCr, JCS_RGB:
                cmyk = false
                decoder.pointee.info.out_color_space = JCS_RGB
            default:
                throw .unsupportedColourSpace("\(decoder.pointee.info.jpeg_color_space.rawValue)")
            }
            decoder.pointee.info.scale_num = 1
            decoder.pointee.info.scale_denom = UInt32(options.scale.rawValue)
            // Full-size decodes are the photo: the accurate integer DCT. Scaled decodes are previews: the
            // fast DCT and plain chroma upsampling, as OpenCV's reduced modes do (invisible at 1/4 size).
            decoder.pointee.info.dct_method = options.scale == .full ? JDCT_ISLOW : JDCT_IFAST
            decoder.pointee.info.do_fancy_upsampling = options.scale == .full ? 1 : 0
            guard fotobox_jpeg_decoder_compute_output(decoder) == 0 else { throw corruption(decoder) }
            let width = Int(decoder.pointee.info.output_width), height = Int(decoder.pointee.info.output_height)
            let channels = cmyk ? 4 : 3
            var pixels = [UInt8](repeating: 0, count: width * height * channels)
            let status = pixels.withUnsafeMutableBufferPointer { buffer in
                fotobox_jpeg_decoder_read(decoder, buffer.baseAddress, width * channels)
            }
            guard status == 0 else { throw corruption(decoder) }
            // libjpeg fills what a damaged or truncated stream lacks with grey and only warns; a photo with
            // a grey band is not a photo, so a warning is an error here.
            if decoder.pointee.error.warnings > 0 {
                let warning = withUnsafeBytes(of: decoder.pointee.error.firstWarning) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                throw .corrupt(reason: warning.isEmpty ? "damaged data" : warning)
            }
            if cmyk {
                let inverted = decoder.pointee.info.saw_Adobe_marker != 0
                return (convertCMYK(pixels, width: width, height: height, adobeInverted: inverted), header)
            }
            return (RGBImage(width: width, height: height, pixels: pixels), header)
        }
        return (options.honourOrientation ? image.oriented(header.orientation) : image, header)
    }

    /// Encodes an RGB image.
    public static func encode(_ image: RGBImage, options: JPEGEncodeOptions = JPEGEncodeOptions()) throws(JPEGError) -> [UInt8] {
        try encode(pixels: image.pixels, width: image.width, height: image.height, components: 3, options: options)
    }

    /// Encodes a grey image.
    public static func encode(_ image: GrayImage, options: JPEGEncodeOptions = JPEGEncodeOptions()) throws(JPEGError) -> [UInt8] {
        try encode(pixels: image.pixels, width: image.width, height: image.height, components: 1, options: options)
    }

    // MARK: - Internals

    /// Encodes CMYK samples (4 per pixel, 0 = no ink, as libjpeg writes them with an Adobe marker), stored as
    /// CMYK or YCCK: what print workflows deliver. The station never writes these; tools and tests make them to
    /// check that such a file is refused as a photo.
    public static func encodeCMYK(pixels: [UInt8], width: Int, height: Int, asYCCK: Bool,
                                  options: JPEGEncodeOptions = JPEGEncodeOptions()) throws(JPEGError) -> [UInt8] {
        guard pixels.count == width * height * 4 else { throw .encodeFailed(reason: "pixel count does not match \(width)×\(height) CMYK") }
        return try encode(pixels: pixels, width: width, height: height, components: 4, options: options, storeYCCK: asYCCK)
    }

    private static func encode(pixels: [UInt8], width: Int, height: Int, components: Int,
                               options: JPEGEncodeOptions, storeYCCK: Bool = false) throws(JPEGError) -> [UInt8] {
        guard width > 0, height > 0, width <= 65_500, height <= 65_500 else {
            throw .encodeFailed(reason: "cannot encode a \(width)×\(height) image")
        }
        guard (1...100).contains(options.quality) else {
            throw .encodeFailed(reason: "quality \(options.quality) is outside 1…100")
        }
        let settings = fotobox_jpeg_encode_options(
            quality: Int32(options.quality), fullChroma: options.subsampling == .full444 ? 1 : 0,
            densityUnit: options.density.unit.rawValue, xDensity: options.density.x, yDensity: options.density.y,
            optimizeCoding: options.optimiseCoding ? 1 : 0, storeYCCK: storeYCCK ? 1 : 0)
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        var message = [CChar](repeating: 0, count: Int(JMSG_LENGTH_MAX))
        let status = pixels.withUnsafeBufferPointer { buffer in
            fotobox_jpeg_encode(buffer.baseAddress, UInt32(width), UInt32(height), width * components,
                                Int32(components), settings, &output, &size, &message)
        }
        defer { free(output) }
        guard status == 0, let output else {
            throw .encodeFailed(reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    /// Rejects empty input, well-known other formats (with a message naming them) and samples that are not
    /// 8 bits; returns the segments read on the way.
    @discardableResult
    static func checkSignature(_ data: [UInt8]) throws(JPEGError) -> JPEGSegments {
        guard !data.isEmpty else { throw .empty }
        guard data.count >= 2, data[0] == 0xFF, data[1] == 0xD8 else { throw .notJPEG(kind: FileSignature.describe(data)) }
        let segments = JPEGSegments(data)
        if let precision = segments.precision, precision != 8 { throw .unsupportedBitDepth(precision) }
        return segments
    }

    private static func withDecoder<T>(_ data: [UInt8],
                                       _ body: (UnsafeMutablePointer<fotobox_jpeg_decoder>) throws(JPEGError) -> T) throws(JPEGError) -> T {
        let decoder = UnsafeMutablePointer<fotobox_jpeg_decoder>.allocate(capacity: 1)
        defer {
            fotobox_jpeg_decoder_end(decoder)
            decoder.deallocate()
        }
        return try data.withUnsafeBufferPointer { (buffer) throws(JPEGError) -> T in
            guard fotobox_jpeg_decoder_begin(decoder, buffer.baseAddress, UInt(buffer.count), workingMemoryLimit) == 0 else {
                throw corruption(decoder)
            }
            return try body(decoder)
        }
    }

    private static func corruption(_ decoder: UnsafeMutablePointer<fotobox_jpeg_decoder>) -> JPEGError {
        let message = withUnsafeBytes(of: decoder.pointee.error.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return .corrupt(reason: message.isEmpty ? "unknown libjpeg error" : message)
    }

    private static func header(of decoder: UnsafeMutablePointer<fotobox_jpeg_decoder>, segments: JPEGSegments) -> JPEGHeader {
        let info = decoder.pointee.info
        var orientation = ExifOrientation.up
        var marker = info.marker_list
        while let current = marker {
            if current.pointee.marker == UInt8(JPEG_APP0 + 1), let bytes = current.pointee.data {
                let payload = UnsafeBufferPointer(start: bytes, count: Int(current.pointee.data_length))
                if let found = ExifOrientation.parse(exifPayload: payload) {
                    orientation = found
                    break
                }
            }
            marker = current.pointee.next
        }
        let model: JPEGColourEncoding.Model
        switch info.jpeg_color_space {
        case JCS_GRAYSCALE: model = .greyscale
        case JCS_RGB: model = .rgb
        case JCS_CMYK: model = .cmyk
        case JCS_YCCK: model = .ycck
        default: model = .yCbCr
        }
        return JPEGHeader(width: Int(info.image_width), height: Int(info.image_height),
                          components: Int(info.num_components), orientation: orientation,
                          colourEncoding: JPEGColourEncoding(model: model, bitsPerSample: Int(info.data_precision),
                                                             iccProfile: segments.iccProfile.map(ICCProfile.classify)))
    }

    /// CMYK as libjpeg delivers it; Adobe writes it inverted (0 = full ink).
    private static func convertCMYK(_ cmyk: [UInt8], width: Int, height: Int, adobeInverted: Bool) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        cmyk.withUnsafeBufferPointer { source in
            image.pixels.withUnsafeMutableBufferPointer { target in
                for i in 0..<(width * height) {
                    var c = UInt32(source[4 * i]), m = UInt32(source[4 * i + 1])
                    var y = UInt32(source[4 * i + 2]), k = UInt32(source[4 * i + 3])
                    if !adobeInverted { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k }
                    target[3 * i] = UInt8((c * k + 127) / 255)
                    target[3 * i + 1] = UInt8((m * k + 127) / 255)
                    target[3 * i + 2] = UInt8((y * k + 127) / 255)
                }
            }
        }
        return image
    }
}

/// Names a file format from its first bytes, for error messages ("PNG image", "empty file").
public enum FileSignature {
    public static func describe(_ data: [UInt8]) -> String {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            data.count >= offset + prefix.count && Array(data[offset..<(offset + prefix.count)]) == prefix
        }
        if data.isEmpty { return "empty file" }
        if starts([0x89, 0x50, 0x4E, 0x47]) { return "this is a PNG image" }
        if starts(Array("GIF8".utf8)) { return "this is a GIF image" }
        if starts(Array("BM".utf8)) { return "this is a BMP image" }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return "this is a TIFF image" }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return "this is a WebP image" }
        if starts(Array("ftyp".utf8), at: 4) { return "this is a HEIF/AVIF or MP4 file" }
        if starts(Array("%PDF".utf8)) { return "this is a PDF document" }
        return "unknown data (does not start with the JPEG marker FF D8)"
    }
}
