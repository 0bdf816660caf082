#!/usr/bin/env python3
"""The OpenCV peer of the face-chain benchmark (issue 3).

Runs the same three MediaPipe models through OpenCV's DNN module (cv2.dnn.readNetFromTFLite, one thread)
on the very input tensors our chain fed them (written by the Swift benchmark, runFaceBenchmarks, into
bench-results/face/), prints OpenCV's times beside ours, the ratio, and the largest difference between
our output tensors and OpenCV's. Exit status 1 when a difference exceeds 1e-3.

    scripts/setup --bench     # opencv-python-headless==4.14.0.94 and numpy
    scripts/bench-face.py [--dir bench-results/face] [--models models] [--runs 50] [--no-run]

It first runs `.build/release/FotoboxBenchmarks face --out DIR --models DIR` (whose main hands the arguments
after "face" to runFaceBenchmarks), unless --no-run says the tensors are already there.
"""
import argparse
import os
import subprocess
import sys
import time

import cv2
import numpy as np

MODELS = [  # file stem, input size, output tensor names in the model's output order (ours)
    ("face_detection_short_range", 128, ["regressors", "classificators"]),
    ("face_landmark", 192, ["conv2d_20", "conv2d_30"]),
    ("iris_landmark", 64, ["output_eyes_contours_and_brows", "output_iris"]),
]
TOLERANCE = 1e-3


def milliseconds(run, runs):
    """Median and best CPU time of `runs` calls after a warm-up (as the Swift side measures with one thread:
    the one-core figure, unaffected by other processes on a shared machine)."""
    for _ in range(3):
        run()
    times = []
    for _ in range(runs):
        start = time.thread_time()
        run()
        times.append((time.thread_time() - start) * 1000)
    times.sort()
    return times[len(times) // 2], times[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default="bench-results/face")
    parser.add_argument("--models", default="models")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--binary", default=".build/release/FotoboxBenchmarks")
    parser.add_argument("--no-run", action="store_true", help="use the tensors and timings already in --dir")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    if not args.no_run:
        result = subprocess.run([args.binary, "face", "--out", args.dir, "--models", args.models])
        if result.returncode != 0:
            print(f"bench-face: {args.binary} face failed ({result.returncode})", file=sys.stderr)
            return 2

    ours = {}
    timings_path = os.path.join(args.dir, "swift-timings.txt")
    if not os.path.exists(timings_path):
        print(f"bench-face: {timings_path} is missing; run the Swift benchmark first", file=sys.stderr)
        return 2
    with open(timings_path) as f:
        for line in f:
            name, median, best = line.split()
            ours[name] = (float(median), float(best))

    print(f"== face chain vs OpenCV {cv2.__version__} DNN, one thread each, CPU time ==")
    opencv, worst = {}, 0.0
    for stem, size, names in MODELS:
        net = cv2.dnn.readNetFromTFLite(os.path.join(args.models, stem + ".tflite"))
        nhwc = np.fromfile(os.path.join(args.dir, stem + ".input.f32"), dtype=np.float32).reshape(1, size, size, 3)
        blob = np.ascontiguousarray(nhwc.transpose(0, 3, 1, 2))  # OpenCV's importer takes NCHW

        def run():
            net.setInput(blob)
            return net.forward(names)

        outputs = run()
        differences = []
        for index, (name, theirs) in enumerate(zip(names, outputs)):
            mine = np.fromfile(os.path.join(args.dir, f"{stem}.output{index}.f32"), dtype=np.float32)
            # 4-D outputs come back NCHW; ours are NHWC. All of these have H = W = 1 or are 2-D/3-D: same order.
            theirs = theirs.reshape(-1)
            if theirs.size != mine.size:
                print(f"  {stem} {name}: {mine.size} values here, {theirs.size} from OpenCV")
                return 1
            # float32 carries 7 digits: beyond magnitude 1 the difference is measured relative to the value
            # (the detector's logits reach 10^4, where one unit in the last place is already 10^-3).
            absolute = np.abs(theirs - mine)
            scaled = float((absolute / np.maximum(1.0, np.abs(theirs))).max())
            differences.append(f"{name} {float(absolute.max()):.1e} abs, {scaled:.1e} scaled (|x| ≤ {float(np.abs(theirs).max()):.0f})")
            worst = max(worst, scaled)
        opencv[stem] = milliseconds(run, args.runs)
        swift = ours.get(stem + ".tflite", (float("nan"), float("nan")))
        print(f"  {stem:26s} OpenCV {opencv[stem][0]:6.3f} ms (best {opencv[stem][1]:6.3f})  ours {swift[0]:6.3f} ms "
              f"(best {swift[1]:6.3f})  ratio {opencv[stem][0] / swift[0]:4.2f} (best {opencv[stem][1] / swift[1]:4.2f})")
        print(f"  {'':26s} largest difference: {'; '.join(differences)}")

    for k, label in ((0, "median"), (1, "best")):
        peer = opencv["face_detection_short_range"][k] + opencv["face_landmark"][k] + 2 * opencv["iris_landmark"][k]
        mine = ours["face_detection_short_range.tflite"][k] + ours["face_landmark.tflite"][k] + 2 * ours["iris_landmark.tflite"][k]
        line = f"  detector + mesh + 2× iris, inference ({label}): OpenCV {peer:.2f} ms, ours {mine:.2f} ms, ratio {peer / mine:.2f} (goal ≥ 1)"
        if "chain_1080p" in ours:
            line += f"; our whole 1080p chain {ours['chain_1080p'][k]:.2f} ms, ratio {peer / ours['chain_1080p'][k]:.2f}"
        print(line)
    if "preview_640x360" in ours:
        median, best = ours["preview_640x360"]
        print(f"  our live preview, detector + mesh on 640×360: {median:.2f} ms (best {best:.2f}) = {1000 / median:.0f} frames/s (goal ≥ 15)")
    if "liveness_per_frame" in ours:
        median, best = ours["liveness_per_frame"]
        print(f"  liveness per preview frame beside the chain (observation + judge's worst-case share): {median:.3f} ms (best {best:.3f}) (goal ≤ 2 ms)")
    verdict = "OK" if worst <= TOLERANCE else "TOO LARGE"
    print(f"  largest output difference to OpenCV: {worst:.1e} (|ours − OpenCV| ÷ max(1, |OpenCV|); limit {TOLERANCE:g}) {verdict}")
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
