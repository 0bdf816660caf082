import Compliance
import FaceAnalysis
import Imaging
import Testing

/// An upright face: pupils `ied` apart around (cx, eyeY), crown and chin on the face axis.
private func face(cx: Double, eyeY: Double, ied: Double, crownAbove: Double, chinBelow: Double, rollDegrees: Double = 0) -> FaceGeometry {
    let r = rollDegrees * Double.pi / 180
    let dx = cos(r) * ied / 2, dy = sin(r) * ied / 2
    // Crown and chin lie on the axis perpendicular to the eye line.
    let ax = -sin(r), ay = cos(r)
    return FaceGeometry(imageLeftEye: Point(x: cx - dx, y: eyeY - dy), imageRightEye: Point(x: cx + dx, y: eyeY + dy),
                        chin: Point(x: cx + ax * chinBelow, y: eyeY + ay * chinBelow),
                        crown: Point(x: cx - ax * crownAbove, y: eyeY - ay * crownAbove))
}

/// Every rule of the profile holds for the planned geometry.
private func expectWithinRules(_ plan: CropPlan, frameWidth: Int, frameHeight: Int) {
    let p = plan.profile, g = plan.geometry
    let W = Double(p.width), H = Double(p.height)
    #expect(plan.scale <= 1 + 1e-12)
    #expect(g.interEyeDistance >= p.minimumInterEyeDistance - 1e-9)
    #expect(p.headHeightRatio.contains(g.headHeight / H))
    #expect(p.eyeLinePosition.contains(g.eyeMidpoint.y / H))
    #expect(p.horizontalCentring.contains(g.eyeMidpoint.x / W))
    #expect(abs(g.rollDegrees) < 1e-6)
    #expect(g.crown.y >= 0 && g.chin.y <= H)
    let inverse = plan.transform.inverted()!
    for corner in [(0.0, 0.0), (W, 0.0), (0.0, H), (W, H)] {
        let q = inverse.apply(to: corner)
        #expect(q.x >= -1e-6 && q.y >= -1e-6 && q.x <= Double(frameWidth) + 1e-6 && q.y <= Double(frameHeight) + 1e-6)
    }
}

@Suite struct CropPlannerTests {
    @Test func noEnlargementBindsAndTheHeadIsCentred() throws {
        // Head 550 px: 75 % of 800 would need ×1.09, so the scale stops at 1 (head 68.75 %). With the
        // scale fixed, the cost is (my − 0.3125 − 0.10)² (top margin) + (my − 0.40)² (eye line mid-range),
        // least at my = 0.40625; the grid's rows are 0.005 apart.
        let plan = try CropPlanner.plan(face: face(cx: 1000, eyeY: 800, ied: 200, crownAbove: 250, chinBelow: 300),
                                        frameWidth: 2000, frameHeight: 2000, profile: .scan)
        #expect(plan.scale == 1)
        #expect(abs(plan.geometry.eyeMidpoint.x - 311) < 1e-9)
        #expect(abs(plan.geometry.eyeMidpoint.y / 800 - 0.40625) <= 0.0026)
        #expect(abs(plan.transform.a - 1) < 1e-12 && abs(plan.transform.b) < 1e-12)
        expectWithinRules(plan, frameWidth: 2000, frameHeight: 2000)
    }

    @Test func largeFaceIsReducedToTheTargetHeadHeight() throws {
        // Head 2400 px in a 16 MP frame, live profile. Cost (1.5s − 0.75)² + (my − 0.6875s − 0.1)² + (my − 0.4)²:
        // setting both derivatives to zero gives s = 2.45625 / 4.97266 = 0.494 (head 74 %).
        let plan = try CropPlanner.plan(face: face(cx: 2000, eyeY: 1800, ied: 700, crownAbove: 1100, chinBelow: 1300),
                                        frameWidth: 4000, frameHeight: 4000, profile: .live)
        #expect(abs(plan.scale - 0.494) <= 0.004)
        #expect(abs(plan.geometry.headHeight / 1600 - 0.75) < 0.01)
        expectWithinRules(plan, frameWidth: 4000, frameHeight: 4000)
    }

    @Test(arguments: [10.0, -12.0, 3.0])
    func rollIsRemoved(degrees: Double) throws {
        let input = face(cx: 1000, eyeY: 900, ied: 220, crownAbove: 260, chinBelow: 320, rollDegrees: degrees)
        #expect(abs(input.rollDegrees - degrees) < 1e-9)
        let plan = try CropPlanner.plan(face: input, frameWidth: 2000, frameHeight: 2000, profile: .scan)
        #expect(abs(plan.geometry.imageLeftEye.y - plan.geometry.imageRightEye.y) < 1e-6)
        #expect(abs(plan.geometry.interEyeDistance - 220 * plan.scale) < 1e-6)
        expectWithinRules(plan, frameWidth: 2000, frameHeight: 2000)
    }

    @Test func aFaceTooSmallIsRefusedWithTheFigures() {
        #expect(throws: CropRefusal.faceTooSmall(interEyeDistance: 212, needed: 300)) {
            try CropPlanner.plan(face: face(cx: 1000, eyeY: 800, ied: 212, crownAbove: 300, chinBelow: 350),
                                 frameWidth: 2000, frameHeight: 2000, profile: .live)
        }
        #expect(CropRefusal.faceTooSmall(interEyeDistance: 212, needed: 300).description
                == "face too small for this camera: 212 px between the eyes, 300 needed")
    }

    @Test func aFaceAtTheEdgeSaysWhichWayToMove() {
        #expect(throws: CropRefusal.tooCloseToEdge(.left)) {
            try CropPlanner.plan(face: face(cx: 250, eyeY: 800, ied: 200, crownAbove: 250, chinBelow: 300),
                                 frameWidth: 2000, frameHeight: 2000, profile: .scan)
        }
        #expect(throws: CropRefusal.tooCloseToEdge(.right)) {
            try CropPlanner.plan(face: face(cx: 1800, eyeY: 800, ied: 200, crownAbove: 250, chinBelow: 300),
                                 frameWidth: 2000, frameHeight: 2000, profile: .scan)
        }
        #expect(throws: CropRefusal.tooCloseToEdge(.top)) {
            try CropPlanner.plan(face: face(cx: 1000, eyeY: 200, ied: 200, crownAbove: 250, chinBelow: 300),
                                 frameWidth: 2000, frameHeight: 2000, profile: .scan)
        }
        #expect(CropRefusal.tooCloseToEdge(.left).description == "too close to the left edge of the picture: move to your left")
    }

    @Test func aHeadFillingTheFrameIsTooClose() {
        #expect(throws: CropRefusal.tooCloseToCamera) {
            try CropPlanner.plan(face: face(cx: 350, eyeY: 330, ied: 250, crownAbove: 300, chinBelow: 400),
                                 frameWidth: 700, frameHeight: 700, profile: .scan)
        }
    }

    @Test func nonsenseLandmarksAreRefusedNotCrashed() {
        let degenerate = FaceGeometry(imageLeftEye: Point(x: 5, y: 5), imageRightEye: Point(x: 5, y: 5),
                                      chin: Point(x: 5, y: 5), crown: Point(x: 5, y: 5))
        #expect(throws: CropRefusal.self) { try CropPlanner.plan(face: degenerate, frameWidth: 100, frameHeight: 100, profile: .scan) }
        let nan = FaceGeometry(imageLeftEye: Point(x: .nan, y: 5), imageRightEye: Point(x: 50, y: 5),
                               chin: Point(x: 5, y: 50), crown: Point(x: 5, y: 0))
        #expect(throws: CropRefusal.self) { try CropPlanner.plan(face: nan, frameWidth: 100, frameHeight: 100, profile: .scan) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
