#!/bin/sh
# The signature pad through the kernel's USB stack: vm/gadget/stu-gadget makes a Wacom STU-430
# (056a:00a4) on dummy_hcd with configfs + FunctionFS, and fotoboxctl's libusb code talks to it from the
# host side of the same kernel: list, capture, release, unplug mid-signature, malformed reports, hotplug.
# Contract (vm/run): lines "PASS <name>" / "FAIL <name>: <reason>".
set -u
BIN=${FOTOBOX_BIN:-.build/release}
CTL="$BIN/fotoboxctl"
GADGET=/tmp/stu-gadget
T=/tmp/pad-test
mkdir -p "$T"

if [ "${FOTOBOX_VM:-}" != 1 ]; then echo "FAIL pad: runs inside the VM only (make vm-test)"; exit 1; fi
[ -x "$CTL" ] || { echo "FAIL pad-setup: $CTL is not built"; exit 1; }
# usbhid: nothing loads it on arrival here (no udev), and the pad must be claimed away from it as on a station.
for module in usbhid dummy_hcd libcomposite usb_f_fs; do
    modprobe ${FOTOBOX_VM_MODULE_ROOT:+-d "$FOTOBOX_VM_MODULE_ROOT"} "$module" || { echo "FAIL pad-setup: modprobe $module"; exit 1; }
done
[ -d /sys/kernel/config/usb_gadget ] || mount -t configfs none /sys/kernel/config 2>/dev/null
# The gadget is built with the products (Package.swift target stu-gadget); compiling it here under TCG
# would take minutes, so that is only the fallback.
if [ -x "$BIN/stu-gadget" ]; then
    GADGET="$BIN/stu-gadget"
else
    gcc -O0 -Wall -o "$GADGET" vm/gadget/stu-gadget.c -lpthread -lm 2>"$T/gcc.log" \
        || { cat "$T/gcc.log"; echo "FAIL pad-setup: the gadget does not compile"; exit 1; }
fi

# A station runs udevd, and Debian's libusb takes its hotplug events from udev (not from the kernel's
# netlink directly): start one for the hotplug test, stopped at the end.
UDEVD=0
if [ -x /lib/systemd/systemd-udevd ] && /lib/systemd/systemd-udevd --daemon --resolve-names=never 2>"$T/udevd.log"; then
    UDEVD=1
    i=0; while [ ! -e /run/udev/control ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
fi
stop_udevd() { [ $UDEVD = 1 ] && udevadm control --exit 2>/dev/null; }
trap stop_udevd EXIT

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
T0=$(now_ms)

# Whether the kernel's host side has enumerated a Wacom device (sysfs: cheap, unlike a process under TCG).
pad_present() { grep -qs '^056a$' /sys/bus/usb/devices/*/idVendor; }

# Starts the gadget with a scenario and waits (≤ 20 s) until the host side has enumerated it.
start_gadget() {
    echo "-- $1 (at $(( $(now_ms) - T0 )) ms)"
    "$GADGET" "$1" 2>"$T/gadget-$1.log" &
    GADGET_PID=$!
    i=0
    while [ $i -lt 200 ]; do
        pad_present && return 0
        kill -0 "$GADGET_PID" 2>/dev/null || break
        sleep 0.1; i=$((i + 1))
    done
    echo "the pad did not appear; gadget: $(tr '\n' ' ' <"$T/gadget-$1.log")"
    echo "gadget stack: $(cat /proc/$GADGET_PID/task/*/stack 2>/dev/null | tr '\n' ' ')"
    return 1
}

stop_gadget() {
    kill "$GADGET_PID" 2>/dev/null
    i=0; while kill -0 "$GADGET_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    if kill -0 "$GADGET_PID" 2>/dev/null; then
        echo "gadget hung on exit: $(cat /proc/$GADGET_PID/task/*/stack 2>/dev/null | tr '\n' ' ')"
        kill -9 "$GADGET_PID" 2>/dev/null
    fi
    wait "$GADGET_PID" 2>/dev/null
    # Gone from the host side before the next scenario plugs a new pad in.
    i=0; while pad_present && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}

# The JPEG's size from its SOF0 marker, "WIDTHxHEIGHT" (shell only: starting python3 under TCG costs seconds).
jpeg_size() {
    hex=$(od -An -v -tx1 "$1" | tr -d ' \n')
    sof=${hex#*ffc0}
    [ "$sof" = "$hex" ] && return 1
    echo "$((0x$(echo "$sof" | cut -c11-14)))x$((0x$(echo "$sof" | cut -c7-10)))"
}

# 1. Hotplug and capture: fotoboxctl waits for a pad (libusb hotplug over netlink), the gadget is plugged
#    in, usbhid binds it, capture detaches usbhid, shows the prompt, reads the pen through the interrupt
#    endpoint until OK, writes the JPEG and releases the pad (usbhid re-attached).
start=$(now_ms)
timeout 150 "$CTL" pad capture --wait 120 --document idcard --out "$T/sig.jpg" --iso "$T/sig.bin" --timeout 60 \
    >"$T/capture.out" 2>&1 &
capture=$!
sleep 1
if start_gadget sign; then
    wait $capture
    status=$?
    took=$(( $(now_ms) - start ))
    cat "$T/capture.out"
    size=$(jpeg_size "$T/sig.jpg" 2>/dev/null)
    if [ $status -eq 0 ] && grep -q 'pad arrived: bus.*(hotplug event)' "$T/capture.out"; then
        echo "PASS pad-hotplug (udev event)"
    elif [ $status -eq 0 ] && [ $UDEVD = 0 ] && grep -q 'pad arrived: bus' "$T/capture.out"; then
        echo "PASS pad-hotplug (no udevd here: found by rescanning the bus)"
    else
        echo "FAIL pad-hotplug: status $status: $(tr '\n' ' ' <"$T/capture.out")"
    fi
    if [ $status -eq 0 ] && [ "$size" = 900x132 ] && grep -q 'STU-430 1.05 (bus' "$T/capture.out" && grep -q '3 strokes' "$T/capture.out"; then
        echo "PASS pad-capture ($took ms from starting fotoboxctl to the JPEG, $(wc -c <"$T/sig.jpg") bytes)"
    else
        echo "FAIL pad-capture: status $status, image $size: $(tr '\n' ' ' <"$T/capture.out"); gadget: $(tr '\n' ' ' <"$T/gadget-sign.log")"
    fi
    sleep 0.3
    # Released cleanly: usbhid, which bound the pad on arrival, is attached again.
    bound=$(ls /sys/bus/usb/drivers/usbhid 2>/dev/null | grep -c ':1.0')
    if [ "$bound" -ge 1 ]; then echo "PASS pad-release (usbhid re-attached)"; else echo "FAIL pad-release: usbhid not re-attached"; fi
    timeout 60 "$CTL" pad list --json >"$T/list.json" 2>&1
    if grep -Eq '"product" *: *"00a4"' "$T/list.json" && grep -Eq '"model" *: *"STU-430"' "$T/list.json"; then
        echo "PASS pad-list"
    else
        echo "FAIL pad-list: $(cat "$T/list.json")"
    fi
    stop_gadget
else
    kill $capture 2>/dev/null
    echo "FAIL pad-capture: the gadget pad did not appear"
    stop_gadget
fi

# 3. Unplug mid-signature: a typed error and exit status 3, promptly, no hang.
if start_gadget unplug; then
    start=$(now_ms)
    timeout 90 "$CTL" pad capture --out "$T/unplug.jpg" --timeout 30 >"$T/unplug.out" 2>&1
    status=$?
    took=$(( $(now_ms) - start ))
    ended=$(now_ms)
    unplugged=$(sed -n 's/.*unplugged at \([0-9]*\) ms.*/\1/p' "$T/gadget-unplug.log")
    if [ $status -eq 3 ] && grep -q 'unplugged' "$T/unplug.out" && [ ! -e "$T/unplug.jpg" ]; then
        echo "PASS pad-unplug (exit 3, $(( ended - ${unplugged:-$ended} )) ms after the unplug, $took ms after start: $(tr '\n' ' ' <"$T/unplug.out"))"
    else
        echo "FAIL pad-unplug: status $status after $took ms: $(tr '\n' ' ' <"$T/unplug.out")"
    fi
    stop_gadget
else
    echo "FAIL pad-unplug: the gadget pad did not appear"
    stop_gadget
fi

# 4. Malformed reports: refused capability (model table), short information, broken pen reports dropped
#    and counted; the signature still arrives.
if start_gadget malformed; then
    if timeout 90 "$CTL" pad capture --document passport --out "$T/malformed.jpg" --timeout 30 >"$T/malformed.out" 2>&1 \
        && [ "$(jpeg_size "$T/malformed.jpg")" = 630x188 ] && grep -q 'model table' "$T/malformed.out" \
        && grep -q 'dropped 4 ' "$T/malformed.out"; then
        echo "PASS pad-malformed ($(tr '\n' ' ' <"$T/malformed.out"))"
    else
        echo "FAIL pad-malformed: $(tr '\n' ' ' <"$T/malformed.out"); gadget: $(tr '\n' ' ' <"$T/gadget-malformed.log")"
    fi
    stop_gadget
else
    echo "FAIL pad-malformed: the gadget pad did not appear"
    stop_gadget
fi
echo "pad tests took $(( $(now_ms) - T0 )) ms"
rm -rf "$T"
