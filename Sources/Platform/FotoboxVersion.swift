/// The software's version: the one definition. Every binary prints it (`--version`), every submission and health
/// report carries it (`CaptureMetadata.currentSoftwareVersion`), and `make deb` names the package after what the
/// built `fotoboxctl --version` prints, so the package, the binaries and the office's records cannot disagree.
/// Raise it here for a release.
public enum FotoboxVersion {
    /// `MAJOR.MINOR.PATCH`, a valid Debian upstream version.
    public static let number = "0.1.0"
}
