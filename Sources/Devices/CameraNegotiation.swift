import Capture
import Imaging

/// Chooses format, size and rate from what a camera offers. Pure, so tests cover it without a camera.
public enum CameraNegotiation {
    /// Preference among the formats the station reads: MJPEG first (small over USB, decodes with DCT
    /// scaling for the preview), then the raw formats.
    static let preference: [PixelFormat] = [.mjpeg, .jpeg, .yuyv, .nv12, .rgb24]

    /// Picks what to set for `request` from `offered` (`device` names the camera in errors).
    ///
    /// Still: the largest size of any supported format, the preferred format at that size.
    /// Preview: the smallest size at least `previewMinimum` that reaches the preview frame rate.
    /// Formats libv4l2 emulates in software are used only when the camera has no native one.
    public static func choose(_ request: StreamRequest, from offered: [FormatDescription], device: String) throws(CameraError) -> NegotiatedFormat {
        let readable = offered.filter { $0.format.isSupported && !$0.sizes.isEmpty }
        let native = readable.filter { !$0.isEmulated }
        var candidates = native.isEmpty ? readable : native
        if let asked = request.format {
            candidates = candidates.filter { $0.format == asked || (asked.isCompressed && $0.format.isCompressed) }
        }
        guard !candidates.isEmpty else {
            throw .unsupportedFormat(device: device, asked: request.format, offered: offered.map(\.format))
        }
        candidates.sort { rank($0.format) < rank($1.format) }

        var warnings: [String] = []
        if native.isEmpty { warnings.append("\(device): no native format the station reads; using libv4l2's software conversion (slow)") }
        let largest = candidates.flatMap { $0.sizes.map(\.size) }.max()!
        if !largest.contains(request.requiredCrop) {
            warnings.append("\(device): largest frame \(largest) cannot deliver the \(request.requiredCrop.width)x\(request.requiredCrop.height) crop without upscaling")
        }

        if let size = request.size {
            for candidate in candidates {
                if let option = candidate.sizes.first(where: { $0.size == size }) {
                    return NegotiatedFormat(format: candidate.format, size: size, framesPerSecond: option.maxFramesPerSecond, warnings: warnings)
                }
            }
            let first = candidates[0]
            throw .unsupportedSize(device: device, asked: size, format: first.format, offered: first.sizes.map(\.size))
        }

        switch request.purpose {
        case .still:
            for candidate in candidates {
                if let option = candidate.sizes.first(where: { $0.size == largest }) {
                    return NegotiatedFormat(format: candidate.format, size: largest, framesPerSecond: option.maxFramesPerSecond, warnings: warnings)
                }
            }
        case .preview:
            var best: (format: PixelFormat, option: FrameSizeOption, rank: Int)?
            for candidate in candidates {
                for option in candidate.sizes where option.size.width >= request.previewMinimum.width
                    && option.size.height >= request.previewMinimum.height
                    && (option.maxFramesPerSecond ?? .infinity) >= request.previewMinimumFramesPerSecond {
                    let rank = rank(candidate.format)
                    if let current = best, (current.option.size, current.rank) <= (option.size, rank) { continue }
                    best = (candidate.format, option, rank)
                }
            }
            if let best {
                var chosen = NegotiatedFormat(format: best.format, size: best.option.size, framesPerSecond: best.option.maxFramesPerSecond, warnings: warnings)
                chosen.previewScale = previewScale(for: chosen, minimum: request.previewMinimum)
                return chosen
            }
            // Nothing large or fast enough: the largest there is, said plainly.
            let candidate = candidates.first(where: { $0.sizes.contains { $0.size == largest } })!
            let option = candidate.sizes.first(where: { $0.size == largest })!
            warnings.append("\(device): no preview size of at least \(request.previewMinimum) at \(formatRate(request.previewMinimumFramesPerSecond)) fps; using \(largest)")
            return NegotiatedFormat(format: candidate.format, size: largest, framesPerSecond: option.maxFramesPerSecond, warnings: warnings)
        }
        throw .unsupportedFormat(device: device, asked: request.format, offered: offered.map(\.format))
    }

    /// The smallest DCT scale whose output still covers `minimum` (MJPEG only; raw formats are `.full`).
    static func previewScale(for format: NegotiatedFormat, minimum: FrameSize) -> JPEGScale {
        guard format.format.isCompressed else { return .full }
        var best = JPEGScale.full
        for scale in JPEGScale.allCases where format.size.width / scale.rawValue >= minimum.width
            && format.size.height / scale.rawValue >= minimum.height {
            best = scale
        }
        return best
    }

    static func rank(_ format: PixelFormat) -> Int {
        preference.firstIndex(of: format) ?? preference.count
    }
}

private func <= (a: (FrameSize, Int), b: (FrameSize, Int)) -> Bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 <= b.1)
}
