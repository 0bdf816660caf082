import Capture
import Devices
import Imaging
import Testing

private func sizes(_ list: [(Int, Int, Double)]) -> [FrameSizeOption] {
    list.map { FrameSizeOption(size: FrameSize(width: $0.0, height: $0.1), framesPerSecond: [$0.2]) }
}

@Suite struct CameraNegotiationTests {
    @Test func stillTakesMJPEGAtTheLargestSize() throws {
        let chosen = try CameraNegotiation.choose(.still, from: typicalWebcamFormats(), device: "cam")
        #expect(chosen.format == .mjpeg)
        #expect(chosen.size == FrameSize(width: 1920, height: 1080))
    }

    @Test func warnsWhenTheLiveCropWouldNeedUpscaling() throws {
        let small = try CameraNegotiation.choose(.still, from: typicalWebcamFormats(), device: "cam")
        #expect(small.warnings.contains { $0.contains("1244x1600") && $0.contains("without upscaling") })
        let large = [FormatDescription(format: .mjpeg, name: "MJPEG", sizes: sizes([(2592, 1944, 15), (640, 480, 30)]))]
        #expect(try CameraNegotiation.choose(.still, from: large, device: "cam").warnings.isEmpty)
        // A camera mounted on its side: 1600×1244 fits the crop turned by 90°.
        let turned = [FormatDescription(format: .yuyv, name: "YUYV", sizes: sizes([(1600, 1300, 5)]))]
        #expect(try CameraNegotiation.choose(.still, from: turned, device: "cam").warnings.isEmpty)
    }

    @Test func previewTakesTheSmallestFastSizeAtLeastTheMinimum() throws {
        let chosen = try CameraNegotiation.choose(.preview, from: typicalWebcamFormats(), device: "cam")
        #expect(chosen.format == .mjpeg)
        #expect(chosen.size == FrameSize(width: 640, height: 480))
        #expect(chosen.previewScale == .full)
    }

    @Test func previewFromALargeMJPEGStreamDecodesWithDCTScaling() throws {
        let large = [FormatDescription(format: .mjpeg, name: "MJPEG", sizes: sizes([(1920, 1080, 30), (2592, 1944, 15)]))]
        let chosen = try CameraNegotiation.choose(.preview, from: large, device: "cam")
        #expect(chosen.size == FrameSize(width: 1920, height: 1080))
        #expect(chosen.previewScale == .half)
        let frame = Frame(format: .mjpeg, size: chosen.size, bytesPerLine: 0,
                          bytes: try JPEG.encode(RGBImage(width: 1920, height: 1080)), sequence: 0,
                          capturedNanoseconds: nil, dequeuedNanoseconds: 0)
        let image = try frame.rgbImage(scale: chosen.previewScale)
        #expect(image.width == 960 && image.height == 540)
    }

    @Test func previewSkipsSizesTooSlowForALivePicture() throws {
        let formats = [FormatDescription(format: .yuyv, name: "YUYV", sizes: sizes([(640, 480, 5), (800, 600, 20)]))]
        #expect(try CameraNegotiation.choose(.preview, from: formats, device: "cam").size == FrameSize(width: 800, height: 600))
    }

    @Test func fallsBackToYUYVAndNV12() throws {
        let yuyv = try CameraNegotiation.choose(.still, from: smallYUYVFormats(), device: "cam")
        #expect(yuyv.format == .yuyv && yuyv.size == FrameSize(width: 640, height: 360))
        let nv12 = [FormatDescription(format: PixelFormat("H264"), name: "H.264", sizes: sizes([(1920, 1080, 30)])),
                    FormatDescription(format: .nv12, name: "NV12", sizes: sizes([(1280, 720, 30)]))]
        #expect(try CameraNegotiation.choose(.still, from: nv12, device: "cam").format == .nv12)
    }

    @Test func refusesACameraWithNothingReadable() {
        let h264 = [FormatDescription(format: PixelFormat("H264"), name: "H.264", sizes: sizes([(1920, 1080, 30)]))]
        #expect(throws: CameraError.unsupportedFormat(device: "cam", asked: nil, offered: [PixelFormat("H264")])) {
            try CameraNegotiation.choose(.still, from: h264, device: "cam")
        }
    }

    @Test func honoursAFormatAndSizeAskedFor() throws {
        let asked = StreamRequest(purpose: .still, format: .yuyv, size: FrameSize(width: 640, height: 480))
        let chosen = try CameraNegotiation.choose(asked, from: typicalWebcamFormats(), device: "cam")
        #expect(chosen.format == .yuyv && chosen.size == FrameSize(width: 640, height: 480))
        let missing = StreamRequest(purpose: .still, format: .yuyv, size: FrameSize(width: 1920, height: 1080))
        #expect(throws: CameraError.self) { try CameraNegotiation.choose(missing, from: typicalWebcamFormats(), device: "cam") }
        #expect(throws: CameraError.self) {
            try CameraNegotiation.choose(StreamRequest(purpose: .still, format: .nv12), from: typicalWebcamFormats(), device: "cam")
        }
    }

    @Test func usesLibv4l2EmulationOnlyWhenNothingIsNative() throws {
        let formats = [FormatDescription(format: .rgb24, name: "RGB3", isEmulated: true, sizes: sizes([(1920, 1080, 30)])),
                       FormatDescription(format: .yuyv, name: "YUYV", sizes: sizes([(640, 480, 30)]))]
        #expect(try CameraNegotiation.choose(.still, from: formats, device: "cam").format == .yuyv)
        let emulatedOnly = try CameraNegotiation.choose(.still, from: [formats[0]], device: "cam")
        #expect(emulatedOnly.format == .rgb24)
        #expect(emulatedOnly.warnings.contains { $0.contains("software conversion") })
    }
}
