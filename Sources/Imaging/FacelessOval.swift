extension RGBImage {
    /// A face-coloured oval on a grey-blue wall, where a face would be but with no face in it: the selftest
    /// runs the face chain on it (a chain that finds a face here is broken), and tests use it as a frame
    /// without a person.
    public static func facelessOval(width: Int, height: Int) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        let cx = Double(width) / 2, cy = Double(height) / 2, rx = Double(width) / 6, ry = Double(height) / 3.2
        for y in 0..<height {
            for x in 0..<width {
                let dx = (Double(x) - cx) / rx, dy = (Double(y) - cy) / ry
                image[x, y] = dx * dx + dy * dy <= 1 ? (224, 188, 160) : (200, 206, 214)
            }
        }
        return image
    }
}
