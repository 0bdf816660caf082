import Testing
import Devices

@Suite("Pad prompt")
struct PadPromptTests {
    @Test func bitmapPacksMostSignificantBitFirstWithWhiteAsOne() {
        var bitmap = PadBitmap(width: 10, height: 2)
        bitmap[0, 0] = true
        bitmap[9, 1] = true
        let packed = bitmap.packed()
        #expect(packed == [0x7F, 0xC0, 0xFF, 0x80])
        #expect(PadBitmap(packed: packed, width: 10, height: 2) == bitmap)
        #expect(PadBitmap(packed: [0], width: 10, height: 2) == nil)
    }

    @Test func drawingOutsideTheBitmapIsClipped() {
        var bitmap = PadBitmap(width: 8, height: 8)
        bitmap.fill(WacomScreenRect(left: -5, top: 6, right: 100, bottom: 100))
        bitmap.draw("OK", x: -3, y: 5, scale: 2)
        bitmap[-1, 3] = true
        #expect(bitmap.ink.filter { $0 }.count >= 16)
        #expect(!bitmap[-1, 3])
    }

    @Test func fontDrawsTheGlyphPixels() {
        var bitmap = PadBitmap(width: 6, height: 7)
        bitmap.draw("l", x: 0, y: 0, scale: 1)
        let rows = (0..<7).map { y in String((0..<5).map { bitmap[$0, y] ? "#" : "." }) }
        #expect(rows == [".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."])
        // Every character of the prompt has a glyph (a missing one would draw as a gap).
        for text in [PadPromptLayout.title, PadPromptLayout.okLabel, PadPromptLayout.retryLabel] {
            for character in text where character != " " {
                var single = PadBitmap(width: 6, height: 7)
                single.draw(String(character), x: 0, y: 0, scale: 1)
                #expect(single.ink.contains(true), "no glyph for \(character)")
            }
        }
    }

    @Test(arguments: [(320, 200), (396, 100), (640, 480), (800, 480)])
    func layoutFitsTheScreen(width: Int, height: Int) {
        let layout = PadPromptLayout(screenWidth: width, screenHeight: height)
        let screen = WacomScreenRect(left: 0, top: 0, right: width - 1, bottom: height - 1)
        for rect in [layout.signingArea, layout.okButton, layout.retryButton] {
            #expect(screen.contains(x: rect.left, y: rect.top) && screen.contains(x: rect.right, y: rect.bottom))
            #expect(rect.left < rect.right && rect.top < rect.bottom)
        }
        #expect(layout.signingArea.bottom < layout.okButton.top)
        #expect(layout.retryButton.right < layout.okButton.left)
        #expect(layout.titleOrigin.x >= 0 && layout.titleOrigin.x + PadFont.width(of: PadPromptLayout.title) * layout.textScale <= width)
        #expect(layout.button(atScreenX: (layout.okButton.left + layout.okButton.right) / 2, y: layout.okButton.top + 1) == .ok)
        #expect(layout.button(atScreenX: layout.retryButton.left, y: layout.retryButton.bottom) == .retry)
        #expect(layout.button(atScreenX: width / 2, y: (layout.signingArea.top + layout.signingArea.bottom) / 2) == nil)
    }

    @Test func stu430PromptUploadsInBlocksOfAtMost253Bytes() {
        let layout = PadPromptLayout(screenWidth: 320, screenHeight: 200)
        #expect(layout.textScale == 2)
        let bitmap = layout.render()
        let reports = WacomCommand.monochromeImageUpload(bitmap)
        #expect(reports.first == [0x25, 0x00] && reports.last == [0x27, 0x00])
        let blocks = reports.dropFirst().dropLast()
        #expect(blocks.count == (8000 + 252) / 253)
        var data: [UInt8] = []
        for block in blocks {
            #expect(block.count == 256 && block[0] == 0x26)
            let length = Int(block[1]) | Int(block[2]) << 8
            #expect(length <= 253)
            data += block[3..<(3 + length)]
        }
        #expect(PadBitmap(packed: data, width: 320, height: 200) == bitmap)
        // Some ink, mostly white.
        let inked = bitmap.ink.filter { $0 }.count
        #expect(inked > 1000 && inked < 16_000)
    }
}

@Suite("Pad interaction")
struct PadInteractionTests {
    let capability = WacomCapability.stu430
    let layout = PadPromptLayout(screenWidth: 320, screenHeight: 200)

    func event(screen: (x: Int, y: Int), touching: Bool, pressure: Int = 600, at ms: Int = 0) -> WacomPenEvent {
        let tablet = capability.tabletPoint(screenX: screen.x, screenY: screen.y)
        return WacomPenEvent(x: tablet.x, y: tablet.y, pressure: touching ? pressure : 0, isTouching: touching,
                             inProximity: true, milliseconds: ms)
    }

    var areaCentre: (x: Int, y: Int) { ((layout.signingArea.left + layout.signingArea.right) / 2, (layout.signingArea.top + layout.signingArea.bottom) / 2) }
    var okCentre: (x: Int, y: Int) { ((layout.okButton.left + layout.okButton.right) / 2, (layout.okButton.top + layout.okButton.bottom) / 2) }

    @Test func inkInTheSigningAreaBecomesStrokes() {
        var interaction = PadInteraction(capability: capability, layout: layout)
        let c = areaCentre
        for stroke in 0..<2 {
            for i in 0..<5 { #expect(interaction.handle(event(screen: (c.x + i, c.y + stroke), touching: true, at: stroke * 100 + i)) == nil) }
            #expect(interaction.handle(event(screen: (c.x + 5, c.y), touching: false)) == nil)
        }
        let signature = interaction.signature()
        #expect(signature.strokes.count == 2 && signature.pointCount == 10)
        #expect(abs(signature.strokes[0][0].pressure - 600.0 / 1023.0) < 1e-9)
        #expect(signature.unitsPerMillimetre == 100)
        interaction.clear()
        #expect(interaction.signature().pointCount == 0)
    }

    @Test func aTapOnOKIsAPressAndLeavesNoInk() {
        var interaction = PadInteraction(capability: capability, layout: layout)
        #expect(interaction.handle(event(screen: okCentre, touching: true)) == nil)
        #expect(interaction.handle(event(screen: (okCentre.x + 2, okCentre.y), touching: true)) == nil)
        #expect(interaction.handle(event(screen: okCentre, touching: false)) == .pressed(.ok))
        #expect(interaction.signature().pointCount == 0)
    }

    @Test func sliddingOffAButtonOrStrokingIntoItIsNoPress() {
        var interaction = PadInteraction(capability: capability, layout: layout)
        _ = interaction.handle(event(screen: okCentre, touching: true))
        #expect(interaction.handle(event(screen: areaCentre, touching: false)) == nil)
        _ = interaction.handle(event(screen: areaCentre, touching: true))
        _ = interaction.handle(event(screen: okCentre, touching: true))
        #expect(interaction.handle(event(screen: okCentre, touching: false)) == nil)
        #expect(interaction.signature().pointCount == 2)
    }

    @Test func hoveringDrawsNothing() {
        var interaction = PadInteraction(capability: capability, layout: layout)
        for i in 0..<5 { _ = interaction.handle(event(screen: (areaCentre.x + i, areaCentre.y), touching: false)) }
        #expect(interaction.signature().pointCount == 0)
    }
}
