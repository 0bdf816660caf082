#!/bin/sh
# Camera tests against the kernel's vivid driver (/dev/video0), run inside the VM by vm/run.
# Drives the real code through `fotoboxctl camera ...` and injects faults with vivid's error-injection
# controls (v4l2-ctl), as documented in the kernel's admin-guide/media/vivid.rst.
set -u
CTL="$FOTOBOX_BIN/fotoboxctl"
DEV=/dev/video0
T=/tmp/camera-tests
mkdir -p "$T"

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
# A number or string field of fotoboxctl's pretty-printed JSON (first occurrence).
num() { sed -n "s/^ *\"$1\" : \([-0-9.e+]*\),\{0,1\}\$/\1/p" "$2" | head -1; }
field() { sed -n "s/^ *\"$1\" : \"\(.*\)\",\{0,1\}\$/\1/p" "$2" | head -1; }
is_jpeg() { [ "$(od -An -tx1 -N2 "$1" 2>/dev/null | tr -d ' ')" = ffd8 ]; }
# "figures" line for the report: fps, latency, drops, recoveries of a stream JSON.
figures() {
    echo "    $1: $(num framesPerSecond "$2") fps, latency mean $(num latencyMeanMilliseconds "$2") ms max $(num latencyMaxMilliseconds "$2") ms, frames $(num frames "$2"), dropped $(num dropped "$2"), broken $(num broken "$2"), faults $(num faults "$2"), recoveries $(num recoveries "$2"), longest recovery $(num maxRecoveryMilliseconds "$2") ms"
}

# vivid stamps the ideal end of each frame, which lies a little ahead of the moment the frame is
# handed over; a camera's start-of-exposure stamp (UVC) is what the latency figure measures from.
v4l2-ctl -d "$DEV" -c timestamp_source=1 >/dev/null 2>&1 || echo "    (timestamp_source not set)"

# --- list: only the capture node, not vivid's output, metadata or touch nodes.
if "$CTL" camera list --json >"$T/list.json" 2>"$T/list.err"; then
    nodes=$(grep -c '"path"' "$T/list.json")
    if [ "$nodes" = 1 ] && [ "$(field path "$T/list.json")" = "$DEV" ]; then pass camera-list
    else fail camera-list "expected only $DEV, got $nodes nodes: $(grep '"path"' "$T/list.json" | tr -d ' \n')"; fi
else fail camera-list "exit $? $(cat "$T/list.err")"; fi

# --- a capture in every vivid format the station reads.
for format in yuyv nv12 rgb24; do
    out="$T/$format.jpg"
    if "$CTL" camera capture --device "$DEV" --format "$format" --size 640x360 --out "$out" --json >"$T/$format.json" 2>"$T/$format.err"; then
        if is_jpeg "$out" && [ "$(num width "$T/$format.json")" = 640 ] && [ "$(num height "$T/$format.json")" = 360 ]; then
            pass "capture-$format"
        else fail "capture-$format" "not a 640x360 JPEG: $(cat "$T/$format.json" | tr -d '\n')"; fi
    else fail "capture-$format" "exit $? $(cat "$T/$format.err")"; fi
done

# vivid has no MJPEG: refused with the reason and status 1, not a crash.
"$CTL" camera capture --device "$DEV" --format mjpeg --out "$T/mjpeg.jpg" >"$T/mjpeg.out" 2>"$T/mjpeg.err"
status=$?
if [ $status = 1 ] && grep -q "does not offer MJPG" "$T/mjpeg.err"; then pass capture-mjpeg-refused
else fail capture-mjpeg-refused "status $status: $(cat "$T/mjpeg.err")"; fi

# --- a still at the largest size the camera offers.
largest=$(v4l2-ctl -d "$DEV" --list-framesizes YUYV | sed -n 's/.*Discrete \([0-9]*\)x\([0-9]*\).*/\1 \2/p' | sort -n -k1,1 -k2,2 | tail -1)
if "$CTL" camera capture --device "$DEV" --out "$T/still.jpg" --json >"$T/still.json" 2>"$T/still.err"; then
    got="$(num width "$T/still.json") $(num height "$T/still.json")"
    echo "    still $got: preview to still frame in $(num switchMilliseconds "$T/still.json") ms"
    if is_jpeg "$T/still.jpg" && [ "$got" = "$largest" ]; then pass capture-still-largest
    else fail capture-still-largest "got $got, largest is $largest"; fi
else fail capture-still-largest "exit $? $(cat "$T/still.err")"; fi

# --- a missing device: status 3.
"$CTL" camera capture --device /dev/video99 --out "$T/none.jpg" >/dev/null 2>&1
status=$?
[ $status = 3 ] && pass capture-missing-device || fail capture-missing-device "status $status, expected 3"

# --- a plain stream: frame rate and latency.
if "$CTL" camera stream --device "$DEV" --seconds 4 --json >"$T/stream.json" 2>"$T/stream.err"; then
    figures stream "$T/stream.json"
    frames=$(num frames "$T/stream.json")
    [ "${frames:-0}" -ge 10 ] && pass stream || fail stream "only ${frames:-0} frames"
else fail stream "exit $? $(cat "$T/stream.err")"; fi

# --- a stream at the still size: how fast full-resolution frames come.
if "$CTL" camera stream --device "$DEV" --seconds 4 --still --json >"$T/stream-still.json" 2>"$T/stream-still.err"; then
    figures "stream at still size $(num width "$T/stream-still.json")x$(num height "$T/stream-still.json")" "$T/stream-still.json"
    [ "$(num frames "$T/stream-still.json")" -ge 1 ] && pass stream-still || fail stream-still "no frame"
else fail stream-still "exit $? $(cat "$T/stream-still.err")"; fi

# --- faults injected while a stream runs; each must be recovered without restarting the process.
# inject NAME CONTROL-SETTINGS DELAY [LATER-SETTINGS LATER-DELAY]
inject() {
    name=$1 settings=$2 delay=$3 later=${4:-} later_delay=${5:-0}
    "$CTL" camera stream --device "$DEV" --seconds 8 --json >"$T/$name.json" 2>"$T/$name.err" &
    pid=$!
    # The fault goes in once frames flow (a process starts slowly in an emulated CPU).
    waited=0
    until grep -q "streaming" "$T/$name.err" 2>/dev/null || [ $waited -ge 300 ]; do sleep 0.1; waited=$((waited + 1)); done
    sleep "$delay"
    v4l2-ctl -d "$DEV" $settings || echo "    (v4l2-ctl $settings failed)"
    if [ -n "$later" ]; then sleep "$later_delay"; v4l2-ctl -d "$DEV" $later; fi
    wait $pid
    status=$?
    sed 's/^/    /' "$T/$name.err"
    figures "$name" "$T/$name.json"
    return $status
}

if inject unplug "-c disconnect=1" 2; then
    [ "$(num recoveries "$T/unplug.json")" -ge 1 ] && pass recover-unplug || fail recover-unplug "no recovery counted"
else fail recover-unplug "stream ended with status $?"; fi

if inject hung-camera "-c percentage_of_dropped_buffers=100" 2 "-c percentage_of_dropped_buffers=0" 3; then
    [ "$(num recoveries "$T/hung-camera.json")" -ge 1 ] && pass recover-hung-camera || fail recover-hung-camera "no recovery counted"
else fail recover-hung-camera "stream ended with status $?"; fi

if inject buffer-error "-c inject_v4l2_buf_flag_error=1" 2; then
    if [ "$(num broken "$T/buffer-error.json")" -ge 1 ] && [ "$(num faults "$T/buffer-error.json")" = 0 ]; then pass skip-broken-buffer
    else fail skip-broken-buffer "broken $(num broken "$T/buffer-error.json"), faults $(num faults "$T/buffer-error.json")"; fi
else fail skip-broken-buffer "stream ended with status $?"; fi

if inject fatal-error "-c inject_fatal_streaming_error=1" 2; then
    [ "$(num recoveries "$T/fatal-error.json")" -ge 1 ] && pass recover-fatal-streaming-error || fail recover-fatal-streaming-error "no recovery counted"
else fail recover-fatal-streaming-error "stream ended with status $?"; fi

# --- a camera another program streams from: refused as busy (status 3), then waited for and used.
"$CTL" camera stream --device "$DEV" --seconds 5 >/dev/null 2>"$T/holder.err" &
holder=$!
waited=0
until grep -q "streaming" "$T/holder.err" 2>/dev/null || [ $waited -ge 300 ]; do sleep 0.1; waited=$((waited + 1)); done
"$CTL" camera capture --device "$DEV" --out "$T/busy.jpg" >/dev/null 2>"$T/busy.err"
status=$?
if [ $status = 3 ] && grep -q "busy" "$T/busy.err"; then pass busy-refused
else fail busy-refused "status $status: $(cat "$T/busy.err")"; fi
"$CTL" camera stream --device "$DEV" --seconds 10 --wait --json >"$T/busy-wait.json" 2>"$T/busy-wait.err"
wait $holder
sed 's/^/    /' "$T/busy-wait.err"
figures busy-wait "$T/busy-wait.json"
if [ "$(num frames "$T/busy-wait.json")" -gt 0 ] && [ "$(num recoveries "$T/busy-wait.json")" -ge 1 ]; then pass recover-busy
else fail recover-busy "no frames after the other program stopped"; fi

# --- unplug and replug for real: the driver goes away (node removed) and comes back (node created);
# the waiting stream is woken by the hotplug monitor (inotify on /dev).
if rmmod vivid 2>"$T/rmmod.err" && [ ! -e "$DEV" ]; then
    "$CTL" camera stream --device "$DEV" --seconds 10 --wait --json >"$T/replug.json" 2>"$T/replug.err" &
    pid=$!
    waited=0
    until grep -q "waiting for the camera" "$T/replug.err" 2>/dev/null || [ $waited -ge 300 ]; do sleep 0.1; waited=$((waited + 1)); done
    sleep 2
    modprobe -d "$FOTOBOX_VM_MODULE_ROOT" vivid || echo "    (modprobe vivid failed)"
    v4l2-ctl -d "$DEV" -c timestamp_source=1 >/dev/null 2>&1
    wait $pid
    sed 's/^/    /' "$T/replug.err"
    figures replug "$T/replug.json"
    if [ "$(num frames "$T/replug.json")" -gt 0 ] && [ "$(num recoveries "$T/replug.json")" -ge 1 ]; then pass recover-replug
    else fail recover-replug "no frames after the driver came back"; fi
else
    fail recover-replug "cannot remove vivid: $(cat "$T/rmmod.err")"
    modprobe -d "$FOTOBOX_VM_MODULE_ROOT" vivid 2>/dev/null
fi
