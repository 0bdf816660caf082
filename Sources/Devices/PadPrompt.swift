/// The buttons of the signing prompt.
public enum PadButton: String, Equatable, Sendable, CaseIterable {
    /// "OK": the citizen accepts the signature.
    case ok
    /// "Nochmal": clear and sign again.
    case retry
}

/// Where things are on the pad's screen while the citizen signs: the title, the signing area (the pad's
/// handwriting area, where it inks) and the two buttons. Proportional to the screen, so it fits every STU
/// model; the screen image and the hit-testing come from the same rectangles.
public struct PadPromptLayout: Equatable, Sendable {
    public static let title = "Bitte hier unterschreiben"
    public static let okLabel = "OK"
    public static let retryLabel = "Nochmal"

    public let screenWidth: Int
    public let screenHeight: Int
    /// Font pixels to screen pixels.
    public let textScale: Int
    public let titleOrigin: (x: Int, y: Int)
    public let signingArea: WacomScreenRect
    public let okButton: WacomScreenRect
    public let retryButton: WacomScreenRect

    public static func == (a: Self, b: Self) -> Bool {
        a.screenWidth == b.screenWidth && a.screenHeight == b.screenHeight && a.textScale == b.textScale
            && a.titleOrigin == b.titleOrigin && a.signingArea == b.signingArea && a.okButton == b.okButton
            && a.retryButton == b.retryButton
    }

    public init(screenWidth: Int, screenHeight: Int) {
        self.screenWidth = screenWidth
        self.screenHeight = screenHeight
        let margin = max(screenWidth / 64, 2)
        // The largest integer scale at which the title fits the width (at least 1).
        let titleWidth = PadFont.width(of: Self.title)
        textScale = max(1, min((screenWidth - 2 * margin) / titleWidth, screenHeight / (PadFont.glyphHeight * 8)))
        let textHeight = PadFont.glyphHeight * textScale
        titleOrigin = ((screenWidth - titleWidth * textScale) / 2, margin)
        let buttonHeight = max(textHeight * 2, screenHeight / 6)
        let buttonTop = screenHeight - margin - buttonHeight
        let middle = screenWidth / 2
        retryButton = WacomScreenRect(left: margin, top: buttonTop, right: middle - margin / 2 - 1, bottom: screenHeight - margin - 1)
        okButton = WacomScreenRect(left: middle + margin / 2, top: buttonTop, right: screenWidth - margin - 1, bottom: screenHeight - margin - 1)
        signingArea = WacomScreenRect(left: margin, top: titleOrigin.y + textHeight + margin,
                                      right: screenWidth - margin - 1, bottom: buttonTop - margin - 1)
    }

    /// The button under screen pixel (x, y), if any.
    public func button(atScreenX x: Int, y: Int) -> PadButton? {
        if okButton.contains(x: x, y: y) { return .ok }
        if retryButton.contains(x: x, y: y) { return .retry }
        return nil
    }

    /// The prompt as the pad shows it: title, a frame around the signing area with a signature line and
    /// an "X", and the two buttons.
    public func render() -> PadBitmap {
        var bitmap = PadBitmap(width: screenWidth, height: screenHeight)
        bitmap.draw(Self.title, x: titleOrigin.x, y: titleOrigin.y, scale: textScale)
        bitmap.frame(signingArea)
        let area = signingArea
        let lineY = area.top + (area.bottom - area.top) * 3 / 4
        let inset = max((area.right - area.left) / 12, 4)
        bitmap.fill(WacomScreenRect(left: area.left + inset, top: lineY, right: area.right - inset, bottom: lineY))
        bitmap.draw("X", x: area.left + inset, y: lineY - PadFont.glyphHeight * textScale - 2 * textScale, scale: textScale)
        for (rect, label) in [(retryButton, Self.retryLabel), (okButton, Self.okLabel)] {
            bitmap.frame(rect, thickness: max(textScale, 1))
            let textWidth = PadFont.width(of: label) * textScale
            bitmap.draw(label, x: rect.left + (rect.right - rect.left + 1 - textWidth) / 2,
                        y: rect.top + (rect.bottom - rect.top + 1 - PadFont.glyphHeight * textScale) / 2, scale: textScale)
        }
        return bitmap
    }
}

extension WacomCommand {
    /// The reports that put `bitmap` on the screen in 1-bit mode: start, the data blocks, end.
    public static func monochromeImageUpload(_ bitmap: PadBitmap) -> [[UInt8]] {
        let data = bitmap.packed()
        var reports = [startImageData(mode: 0)]
        var offset = 0
        while offset < data.count {
            let end = min(offset + maxImageBlockData, data.count)
            reports.append(imageDataBlock(data[offset..<end]))
            offset = end
        }
        reports.append(endImageData(commit: true))
        return reports
    }
}
