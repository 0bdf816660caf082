#!/bin/sh
# Camera tests against the kernel's vivid driver (/dev/video0), run inside the VM by vm/run: listing,
# a capture in every format the station reads, the largest still, frame rate and latency.
set -u
. "$FOTOBOX_REPO/vm/tests/lib/camera.sh"

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
