extension Double {
    /// The value rounded to `decimals` places (half away from zero), for JSON figures a person reads; a value
    /// that is not finite becomes 0, since JSON has no NaN or infinity.
    public func rounded(decimals: Int) -> Double {
        guard isFinite else { return 0 }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        return (self * scale).rounded() / scale
    }

    /// The value with exactly `decimals` places, such as "0.50" or "-12.3", without Foundation's formatter
    /// (the same text in every locale). A value that is not finite, or beyond 10¹², prints as Swift prints it.
    public func text(decimals: Int) -> String {
        guard isFinite, abs(self) < 1e12 else { return "\(self)" }
        var scale = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((abs(self) * Double(scale)).rounded())
        let whole = scaled / scale, fraction = scaled % scale
        let sign = self < 0 && scaled > 0 ? "-" : ""
        guard decimals > 0 else { return sign + "\(whole)" }
        let fractionText = String(fraction)
        return sign + "\(whole)." + String(repeating: "0", count: decimals - fractionText.count) + fractionText
    }
}
