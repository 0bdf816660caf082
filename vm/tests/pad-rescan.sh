#!/bin/sh
# The documented fallback for a machine where no udev daemon runs (issue 16, item 13): Debian's libusb
# takes hotplug events from udevd, so without it no event ever comes, and fotoboxctl (like fotoboxd) must
# find a pad plugged in while it waits by rescanning the bus. This script makes sure udevd is NOT running,
# starts `fotoboxctl pad capture --wait`, then plugs the gadget pad in.
# Contract (vm/run): lines "PASS <name>" / "FAIL <name>: <reason>".
set -u
BIN=${FOTOBOX_BIN:-.build/release}
CTL="$BIN/fotoboxctl"
T=/tmp/pad-rescan-test
mkdir -p "$T"

if [ "${FOTOBOX_VM:-}" != 1 ]; then echo "FAIL pad-rescan: runs inside the VM only (make vm-test)"; exit 1; fi
[ -x "$CTL" ] && [ -x "$BIN/stu-gadget" ] || { echo "FAIL pad-rescan-setup: $CTL or $BIN/stu-gadget is not built"; exit 1; }
for module in usbhid dummy_hcd libcomposite usb_f_fs; do
    modprobe ${FOTOBOX_VM_MODULE_ROOT:+-d "$FOTOBOX_VM_MODULE_ROOT"} "$module" || { echo "FAIL pad-rescan-setup: modprobe $module"; exit 1; }
done
[ -d /sys/kernel/config/usb_gadget ] || mount -t configfs none /sys/kernel/config 2>/dev/null
# No udevd: stop one a previous script may have left, and check.
[ -e /run/udev/control ] && udevadm control --exit 2>/dev/null
sleep 0.2
if pidof systemd-udevd >/dev/null 2>&1; then echo "FAIL pad-rescan-setup: systemd-udevd is running"; exit 1; fi
pad_present() { grep -qs '^056a$' /sys/bus/usb/devices/*/idVendor; }
if pad_present; then echo "FAIL pad-rescan-setup: a pad is already plugged in"; exit 1; fi

timeout 150 "$CTL" pad capture --wait 120 --document idcard --out "$T/sig.jpg" --timeout 60 >"$T/capture.out" 2>&1 &
capture=$!
sleep 2
"$BIN/stu-gadget" sign 2>"$T/gadget.log" &
gadget=$!
wait $capture
status=$?
kill "$gadget" 2>/dev/null
i=0; while kill -0 "$gadget" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -9 "$gadget" 2>/dev/null
wait "$gadget" 2>/dev/null
if [ $status -eq 0 ] && grep -q 'pad arrived: bus.*(found by rescanning the bus)' "$T/capture.out"; then
    echo "PASS pad-rescan (no udevd: the pad plugged in while waiting was found by rescanning the bus)"
else
    echo "FAIL pad-rescan: status $status: $(tr '\n' ' ' <"$T/capture.out"); gadget: $(tr '\n' ' ' <"$T/gadget.log")"
fi
rm -rf "$T"
