import FaceAnalysis
import Foundation
import Platform
import Testing

/// What a test needs from outside the package — the shared photographs, the face models, the built
/// binaries, a command-line tool — and the Swift Testing traits that run it only where that is present.
///
/// A missing prerequisite makes the test *skipped* (Swift Testing reports `➜ Test … skipped: "needs …"`),
/// never silently passed. With `FOTOBOX_REQUIRE_TESTDATA=1` in the environment (set by `.ci/run` when
/// `../shared/testdata` is present) a missing prerequisite is a *failure* instead: on CI a data test that
/// does not run is a red build, not a green one.
public enum TestData {
    /// The package root, from this file's path (Tests/FotoboxTestSupport/Prerequisites.swift).
    public static let packageRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// `../shared/testdata` beside the checkout.
    public static let directory = packageRoot + "/../shared/testdata"

    /// A file or folder inside the shared test data.
    public static func path(_ relative: String) -> String { directory + "/" + relative }

    /// True when the shared test data lies beside the checkout.
    public static var isPresent: Bool { FileSystem.exists(directory) }

    /// The environment variable that turns a missing prerequisite from a skip into a failure.
    public static let requireVariable = "FOTOBOX_REQUIRE_TESTDATA"

    /// True when every prerequisite must be present (CI with the shared data beside the clone).
    public static var isRequired: Bool { ProcessInfo.processInfo.environment[requireVariable] == "1" }

    /// The face models as `scripts/setup` installs them (`models/` in the checkout), or nil.
    public static var modelDirectory: String? {
        FaceModels.locate([packageRoot + "/models", FaceModels.installedDirectory])
    }

    /// A built executable of this package (`make test` builds them all in release).
    public static func binary(_ name: String) -> String { packageRoot + "/.build/release/" + name }
}

/// A prerequisite that `FOTOBOX_REQUIRE_TESTDATA=1` demands and that is not there.
public struct RequiredPrerequisiteAbsent: Error, CustomStringConvertible {
    public let what: String
    public var description: String {
        "\(what), but \(TestData.requireVariable)=1 requires it (a data test must run, not skip, where ../shared/testdata is present)"
    }
}

/// The rule of every trait below, apart so that it can be tested without changing the environment.
public enum Prerequisite {
    /// Whether a test runs: yes when its prerequisite is present; a skip (false) when absent; a failure
    /// (thrown) when absent but required.
    public static func decide(_ what: String, present: Bool, required: Bool) throws(RequiredPrerequisiteAbsent) -> Bool {
        if present { return true }
        if required { throw RequiredPrerequisiteAbsent(what: "needs \(what) (absent)") }
        return false
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test only where `present()` holds; the skip says what is missing. Under
    /// `FOTOBOX_REQUIRE_TESTDATA=1` a missing prerequisite fails the test instead.
    public static func needs(_ what: String, _ present: @escaping @Sendable () -> Bool) -> Self {
        .enabled(Comment(rawValue: "needs \(what) (absent)")) {
            try Prerequisite.decide(what, present: present(), required: TestData.isRequired)
        }
    }

    /// The shared photographs (`../shared/testdata`, or one folder or file inside it).
    public static func needsTestData(_ relative: String = "") -> Self {
        let path = relative.isEmpty ? TestData.directory : TestData.path(relative)
        return needs(relative.isEmpty ? "../shared/testdata" : "../shared/testdata/\(relative)") { FileSystem.exists(path) }
    }

    /// The three face models (`scripts/setup --models` puts them in `models/`).
    public static var needsModels: Self {
        needs("the face models in models/ (scripts/setup --models)") { TestData.modelDirectory != nil }
    }

    /// Built executables of this package (`swift build -c release --build-tests`).
    public static func needsBuilt(_ names: String...) -> Self {
        needs(names.map { ".build/release/\($0)" }.joined(separator: ", ") + " built") {
            names.allSatisfy { FileManager.default.isExecutableFile(atPath: TestData.binary($0)) }
        }
    }

    /// Command-line tools `scripts/setup` installs (found on PATH or at an absolute path).
    public static func needsTools(_ names: String...) -> Self {
        needs(names.joined(separator: ", ") + " installed") { names.allSatisfy(TestData.toolExists) }
    }
}

extension TestData {
    /// True when `name` is an executable path, or an executable on PATH.
    public static func toolExists(_ name: String) -> Bool {
        if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
    }
}
