#!/bin/sh
# Camera faults injected with vivid's error-injection controls (kernel admin-guide/media/vivid.rst)
# while `fotoboxctl camera stream` runs: each must be recovered without restarting the process.
set -u
. "$FOTOBOX_REPO/vm/tests/lib/camera.sh"

# --- faults injected while a stream runs; each must be recovered without restarting the process.
# inject NAME CONTROL-SETTINGS DELAY [LATER-SETTINGS LATER-DELAY]
inject() {
    name=$1 settings=$2 delay=$3 later=${4:-} later_delay=${5:-0}
    "$CTL" camera stream --device "$DEV" --seconds 8 --json >"$T/$name.json" 2>"$T/$name.err" &
    pid=$!
    # The fault goes in once frames flow (a process starts slowly in an emulated CPU).
    wait_for "streaming" "$T/$name.err"
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

# --- a camera another program streams from: refused as busy (status 3), then waited for and used
# as soon as that program quits.
"$CTL" camera stream --device "$DEV" --seconds 60 >/dev/null 2>"$T/holder.err" &
holder=$!
wait_for "streaming" "$T/holder.err"
"$CTL" camera capture --device "$DEV" --out "$T/busy.jpg" >/dev/null 2>"$T/busy.err"
status=$?
if [ $status = 3 ] && grep -q "busy" "$T/busy.err"; then pass busy-refused
else fail busy-refused "status $status: $(cat "$T/busy.err")"; fi
"$CTL" camera stream --device "$DEV" --seconds 8 --wait --json >"$T/busy-wait.json" 2>"$T/busy-wait.err" &
waiter=$!
wait_for "waiting for the camera" "$T/busy-wait.err"
sleep 1
kill $holder; wait $holder 2>/dev/null
wait $waiter
sed 's/^/    /' "$T/busy-wait.err"
figures busy-wait "$T/busy-wait.json"
if [ "$(num frames "$T/busy-wait.json")" -gt 0 ] && [ "$(num recoveries "$T/busy-wait.json")" -ge 1 ]; then pass recover-busy
else fail recover-busy "no frames after the other program quit"; fi
