# Fotobox. A newcomer runs `make demo` and `make test`; both install what they need (scripts/setup).
SWIFT ?= swift
RELEASE := .build/release
.DEFAULT_GOAL := build
.PHONY: setup build test tsan demo bench vm-test e2e deb fuzz clean

setup:
	@scripts/setup

build: setup
	$(SWIFT) build -c release

# One release build for the products and the tests; the tests then run against those binaries.
test: setup
	@scripts/setup --prometheus
	scripts/module-graph --check
	$(SWIFT) build -c release --build-tests
	$(SWIFT) test -c release --skip-build

# The visit service's threads under ThreadSanitizer (issue 18): the Kiosk tests, among them the race test
# that fires conflicting events from several threads thousands of times. A debug build of its own
# (.build/tsan), apart from the release build `make test` uses. With Swift 6.3.1 on Linux ThreadSanitizer does
# not see a bare Synchronization.Mutex (its futex is not intercepted); the project's one lock, Platform's
# `Locked`, wraps Mutex and, built with -DFOTOBOX_TSAN, annotates it for TSan. scripts/tsan-mutex-check first
# proves that on this toolchain (bare Mutex: a report; Locked: none), so a report below means a real race.
# Any report fails the run (TSan's exit code 66 at the end; all reports are printed, not only the first).
# Left out: ChainPresentationDetectorTests, which runs the real face chain on recorded frames on one thread
# (minutes per presentation in a debug TSan build, and no threads of the visit in it).
TSAN_FLAGS = --sanitize=thread -Xswiftc -DFOTOBOX_TSAN --scratch-path .build/tsan
tsan: setup
	@scripts/tsan-mutex-check
	$(SWIFT) build $(TSAN_FLAGS) --build-tests
	$(SWIFT) test $(TSAN_FLAGS) --skip-build --filter KioskTests --skip ChainPresentationDetectorTests

demo: build
	@scripts/demo

# The kiosk UI in a real Chromium against real fotoboxd processes; screenshots in .build/e2e/.
e2e: build
	@scripts/e2e

# A Debian package of the station (binaries, units, udev rules, models, config, man page) in dist/.
deb: build
	@scripts/deb

# Hostile-input campaigns (issue 16): libFuzzer + AddressSanitizer on the JPEG decoder, the TFLite reader and the
# config parser, and mutated requests against the real office and kiosk on loopback; a few minutes in all.
# Figures in .build/fuzz/summary.txt (README). FUZZ_SECONDS / NET_SECONDS / FUZZ_SEED / FUZZ_TARGETS change them.
fuzz: build
	@scripts/setup --fuzz
	@scripts/fuzz

bench: setup
	@scripts/setup --bench
	$(SWIFT) build -c release --product FotoboxBenchmarks
	$(SWIFT) build -c release --product fotoboxctl
	@scripts/bench

# The hardware rig: Debian's kernel in QEMU with vivid (camera) and a USB gadget (pad); see vm/run.
vm-test: setup
	@scripts/setup --vm
	$(SWIFT) build -c release --product fotoboxctl
	$(SWIFT) build -c release --product stu-gadget
	@vm/run

clean:
	rm -rf .build
