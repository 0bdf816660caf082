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
    modprobe "$module" || { echo "FAIL pad-setup: modprobe $module"; exit 1; }
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

# `fotoboxctl pad list` bounded to 15 s (TCG on a busy host is slow); status 124 and the kernel stacks
# when it hangs.
list_pads() {
    "$CTL" pad list >"$T/list.out" 2>&1 &
    pid=$!
    j=0; while kill -0 $pid 2>/dev/null && [ $j -lt 150 ]; do sleep 0.1; j=$((j + 1)); done
    if kill -0 $pid 2>/dev/null; then
        echo "pad list hung for 15 s: $(for t in /proc/$pid/task/*; do cat $t/stack; echo '|'; done 2>/dev/null | tr '\n' ' ')"
        echo w >/proc/sysrq-trigger 2>/dev/null; dmesg | tail -60
        kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
        return 124
    fi
    wait $pid
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Starts the gadget with a scenario and waits (≤ 20 s) until the host lists the pad.
start_gadget() {
    echo "-- $1"
    "$GADGET" "$1" 2>"$T/gadget-$1.log" &
    GADGET_PID=$!
    deadline=$(( $(now_ms) + 20000 ))
    while [ "$(now_ms)" -lt $deadline ]; do
        list_pads && return 0
        kill -0 "$GADGET_PID" 2>/dev/null || break
        sleep 0.2
    done
    echo "the pad did not appear; gadget: $(tr '\n' ' ' <"$T/gadget-$1.log")"
    echo "gadget stack: $(cat /proc/$GADGET_PID/task/*/stack 2>/dev/null | tr '\n' ' ')"
    echo "udc: $(ls /sys/class/udc 2>&1) usb devices: $(ls /sys/bus/usb/devices 2>&1 | tr '\n' ' ')"
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
    # The host side lets go of the device before the next scenario plugs a new one in.
    i=0
    while [ $i -lt 50 ]; do
        list_pads
        case $? in 0|124) ;; *) break ;; esac
        sleep 0.1; i=$((i + 1))
    done
}

# The JPEG's size from its SOF marker: "WIDTHxHEIGHT".
jpeg_size() {
    python3 - "$1" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
i = 2
while i + 9 < len(d):
    marker, length = d[i + 1], int.from_bytes(d[i + 2:i + 4], 'big')
    if marker in (0xC0, 0xC1, 0xC2):
        print("%dx%d" % (int.from_bytes(d[i + 7:i + 9], 'big'), int.from_bytes(d[i + 5:i + 7], 'big'))); break
    i += 2 + length
PY
}

# 1. Arrival: the pad is listed by VID/PID, and usbhid has bound it (as with a real pad).
if start_gadget sign; then
    "$CTL" pad list --json >"$T/list.json" 2>&1
    if grep -q '"product":"00a4"' "$T/list.json" && grep -q '"model":"STU-430"' "$T/list.json"; then
        echo "PASS pad-list"
    else
        echo "FAIL pad-list: $(cat "$T/list.json")"
    fi
    # usbhid binds it on arrival (as on a station); capture must detach it and give it back afterwards.
    sleep 0.3
    bound=$(ls /sys/bus/usb/drivers/usbhid 2>/dev/null | grep -c ':1.0')

    # 2. Capture through the kernel: prompt upload, inking, pen reports on the interrupt endpoint, OK.
    start=$(now_ms)
    if "$CTL" pad capture --document idcard --out "$T/sig.jpg" --iso "$T/sig.bin" --timeout 30 >"$T/capture.out" 2>&1; then
        took=$(( $(now_ms) - start ))
        cat "$T/capture.out"
        size=$(jpeg_size "$T/sig.jpg")
        if [ "$size" = 900x132 ] && grep -q 'STU-430 1.05 (bus' "$T/capture.out" && grep -q '3 strokes' "$T/capture.out"; then
            echo "PASS pad-capture ($took ms from open to JPEG, $(wc -c <"$T/sig.jpg") bytes)"
        else
            echo "FAIL pad-capture: image $size; $(tr '\n' ' ' <"$T/capture.out")"
        fi
    else
        echo "FAIL pad-capture: $(tr '\n' ' ' <"$T/capture.out"); gadget: $(tr '\n' ' ' <"$T/gadget-sign.log")"
    fi
    sleep 0.3
    # Released cleanly: usbhid is attached again (libusb's auto-detach re-attaches on release).
    again=$(ls /sys/bus/usb/drivers/usbhid 2>/dev/null | grep -c ':1.0')
    if [ "$bound" -ge 1 ] && [ "$again" -ge 1 ]; then
        echo "PASS pad-release (usbhid bound before capture, detached for it, re-attached after)"
    else
        echo "FAIL pad-release: usbhid interfaces bound before $bound, after $again"
    fi
    stop_gadget
else
    echo "FAIL pad-list: the gadget pad did not appear"
    stop_gadget
fi

# 3. Unplug mid-signature: a typed error and exit status 3, promptly, no hang.
if start_gadget unplug; then
    start=$(now_ms)
    "$CTL" pad capture --out "$T/unplug.jpg" --timeout 30 >"$T/unplug.out" 2>&1
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
    if "$CTL" pad capture --document passport --out "$T/malformed.jpg" --timeout 30 >"$T/malformed.out" 2>&1 \
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
# 5. Hotplug: capture waits for a pad, which is plugged in afterwards (libusb hotplug over netlink).
echo "-- hotplug"
"$CTL" pad capture --wait 60 --out "$T/hotplug.jpg" --timeout 60 >"$T/hotplug.out" 2>&1 &
capture=$!
sleep 2
"$GADGET" sign 2>"$T/gadget-hotplug.log" &
GADGET_PID=$!
wait $capture
status=$?
if [ $status -eq 0 ] && grep -q 'pad arrived: bus' "$T/hotplug.out" && [ "$(jpeg_size "$T/hotplug.jpg")" = 900x132 ]; then
    echo "PASS pad-hotplug ($(head -1 "$T/hotplug.out"))"
else
    echo "FAIL pad-hotplug: status $status: $(tr '\n' ' ' <"$T/hotplug.out"); gadget: $(tr '\n' ' ' <"$T/gadget-hotplug.log")"
fi
stop_gadget
rm -rf "$T"
