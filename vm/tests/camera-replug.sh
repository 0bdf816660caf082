#!/bin/sh
# A real unplug and replug: vivid removed (its nodes vanish) and loaded again (nodes created) while a
# stream waits; the hotplug monitor (inotify on /dev) wakes it. Runs last: it reloads the driver.
set -u
. "$FOTOBOX_REPO/vm/tests/lib/camera.sh"

# --- unplug and replug for real: the driver goes away (node removed) and comes back (node created);
# the waiting stream is woken by the hotplug monitor (inotify on /dev).
if rmmod vivid 2>"$T/rmmod.err" && [ ! -e "$DEV" ]; then
    "$CTL" camera stream --device "$DEV" --seconds 10 --wait --json >"$T/replug.json" 2>"$T/replug.err" &
    pid=$!
    wait_for "waiting for the camera" "$T/replug.err"
    waiting_since=$(date +%s%3N)
    sleep 2
    modprobe -d "$FOTOBOX_VM_MODULE_ROOT" vivid || echo "    (modprobe vivid failed)"
    driver_back=$(( $(date +%s%3N) - waiting_since ))
    v4l2-ctl -d "$DEV" -c timestamp_source=1 >/dev/null 2>&1
    wait $pid
    sed 's/^/    /' "$T/replug.err"
    figures replug "$T/replug.json"
    recovery=$(num maxRecoveryMilliseconds "$T/replug.json" | cut -d. -f1)
    echo "    replug: driver loaded again ${driver_back} ms after the stream began waiting; first frame ~$(( ${recovery:-0} - driver_back )) ms after modprobe returned"
    if [ "$(num frames "$T/replug.json")" -gt 0 ] && [ "$(num recoveries "$T/replug.json")" -ge 1 ]; then pass recover-replug
    else fail recover-replug "no frames after the driver came back"; fi
else
    fail recover-replug "cannot remove vivid: $(cat "$T/rmmod.err")"
    modprobe -d "$FOTOBOX_VM_MODULE_ROOT" vivid 2>/dev/null
fi
