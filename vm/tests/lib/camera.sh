# Shared by the camera tests in vm/tests (sourced, not run): the device, the tool, result lines and
# readers for fotoboxctl's pretty-printed JSON.
CTL="$FOTOBOX_BIN/fotoboxctl"
DEV=/dev/video0
T=/tmp/camera-tests
mkdir -p "$T"

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
# A number or string field of fotoboxctl's pretty-printed JSON (first occurrence).
num() { sed -n "s/^ *\"$1\" : \([-0-9.e+]*\),\{0,1\}\$/\1/p" "$2" | head -1; }
field() { sed -n "s/^ *\"$1\" : \"\(.*\)\",\{0,1\}\$/\1/p" "$2" | head -1; }
# Waits (up to 30 s) until a line with TEXT appears in FILE: a process starts slowly in an emulated CPU.
wait_for() {
    waited=0
    until grep -q "$1" "$2" 2>/dev/null || [ $waited -ge 300 ]; do sleep 0.1; waited=$((waited + 1)); done
}
is_jpeg() { [ "$(od -An -tx1 -N2 "$1" 2>/dev/null | tr -d ' ')" = ffd8 ]; }
# "figures" line for the report: fps, latency, drops, recoveries of a stream JSON.
figures() {
    echo "    $1: $(num framesPerSecond "$2") fps, latency mean $(num latencyMeanMilliseconds "$2") ms max $(num latencyMaxMilliseconds "$2") ms, frames $(num frames "$2"), dropped $(num dropped "$2"), broken $(num broken "$2"), faults $(num faults "$2"), recoveries $(num recoveries "$2"), longest recovery $(num maxRecoveryMilliseconds "$2") ms"
}

# vivid stamps the ideal end of each frame, which lies a little ahead of the moment the frame is
# handed over; a camera's start-of-exposure stamp (UVC) is what the latency figure measures from.
v4l2-ctl -d "$DEV" -c timestamp_source=1 >/dev/null 2>&1 || echo "    (timestamp_source not set)"

