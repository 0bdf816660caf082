#!/bin/sh
# The station's udev rules (udev/70-fotobox.rules) evaluated by the real udev (`udevadm test`, the
# distribution's rules around them, 60-persistent-v4l's v4l_id included) against the kernel's own vivid
# nodes: the video capture node gets /dev/fotobox/camera, the output and metadata nodes do not.
# Contract (vm/run): lines "PASS <name>" / "FAIL <name>: <reason>".
set -u
T=/tmp/udev-test
mkdir -p "$T"
if [ "${FOTOBOX_VM:-}" != 1 ]; then echo "FAIL udev: runs inside the VM only (make vm-test)"; exit 1; fi
command -v udevadm >/dev/null || { echo "PASS udev-rules (skipped: no udevadm in this root)"; exit 0; }
# /run is the VM's own tmpfs: the rules go there, as the package puts them in /lib/udev/rules.d.
mkdir -p /run/udev/rules.d
cp "$FOTOBOX_REPO/udev/70-fotobox.rules" /run/udev/rules.d/
linked="" others=""
for node in /sys/class/video4linux/video*; do
    name=$(basename "$node")
    udevadm test --action=add --resolve-names=never "$node" >"$T/$name.log" 2>&1
    caps=$(sed -n 's/^ID_V4L_CAPABILITIES=//p' "$T/$name.log" | tail -1)
    if grep -q '^DEVLINKS=.*fotobox/camera' "$T/$name.log"; then
        linked="$linked $name($caps)"
        case "$caps" in *:capture:*) ;; *) echo "FAIL udev-camera-link: $name got the name but is '$caps'" ;; esac
    else
        others="$others $name($caps)"
    fi
done
if [ -n "$linked" ]; then
    echo "PASS udev-camera-link (/dev/fotobox/camera for:$linked; not for:$others)"
else
    echo "FAIL udev-camera-link: no node got /dev/fotobox/camera (nodes:$others; $(grep -iE 'fotobox|error' "$T"/video0.log | head -3 | tr '\n' ' '))"
fi
case "$others" in *:capture:*) echo "FAIL udev-capture-only: a capture node was left out:$others" ;; *) echo "PASS udev-capture-only" ;; esac
