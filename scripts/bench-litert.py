#!/usr/bin/env python3
"""The LiteRT peer of `make bench` (issue 19): the three face models and the two hand models (handAtFace) in LiteRT (TensorFlow Lite with the
XNNPACK delegate, `ai-edge-litert`, the runtime MediaPipe ships), one thread, beside ours
(`fotoboxctl bench --model`), alternating model by model in one run, on the same deterministic input.

    scripts/setup --bench          # ai-edge-litert==2.3.0 (pinned), numpy
    scripts/bench-litert.py [--rounds 5] [--repeat 200] [--paths avx512,avx2,baseline] [--models models]

For every kernel path this processor supports (FOTOBOX_KERNELS forces ours; XNNPACK picks its own kernels
from CPUID and cannot be restricted from Python, so its figure is the same in every row) it prints per model
the median of each side's per-round medians, the ratio LiteRT ÷ ours (above 1: we are faster), our GFLOP/s,
the fastest single run of each side over all rounds and their ratio, and the chain (detector + mesh +
2× iris; the hand models run once per still, not in the chain). Both sides are timed in thread CPU time after warm-up, so other processes on a shared machine
count on neither side (they still share caches and the core's other hyperthread). With bench-results/face/ written by the Swift face
benchmark it also prints the largest difference between our outputs and LiteRT's on the chain's real crops.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
from ai_edge_litert.interpreter import Interpreter

FACE_MODELS = ["face_detection_short_range", "face_landmark", "iris_landmark"]
MODELS = FACE_MODELS + ["palm_detection_full", "hand_landmark_full"]
CHAIN = {"face_detection_short_range": 1, "face_landmark": 1, "iris_landmark": 2}  # the hand models: not in the chain


def deterministic_input(count):
    """TFLiteInterpreter.fillInputsDeterministically, the same generator."""
    values = np.empty(count, dtype=np.float32)
    state = 0x9E3779B97F4A7C15
    mask = (1 << 64) - 1
    for i in range(count):
        state ^= state >> 12
        state ^= (state << 25) & mask
        state ^= state >> 27
        r = ((state * 2685821657736338717) & mask) >> 40
        values[i] = 0.7 * (0.5 + 0.4 * math.sin((i // 3 % 97) * 0.11 + (i % 3))) + 0.3 * (r / (1 << 24))
    return values


def litert(path, repeats):
    interpreter = Interpreter(model_path=path, num_threads=1)
    interpreter.allocate_tensors()
    detail = interpreter.get_input_details()[0]
    interpreter.set_tensor(detail["index"], deterministic_input(int(np.prod(detail["shape"]))).reshape(detail["shape"]))
    for _ in range(max(3, repeats // 20)):
        interpreter.invoke()
    times = []
    for _ in range(repeats):
        start = time.thread_time_ns()
        interpreter.invoke()
        times.append((time.thread_time_ns() - start) / 1e6)
    times.sort()
    return times[len(times) // 2], times[0]


def ours(binary, path, repeats, kernels):
    environment = dict(os.environ, FOTOBOX_KERNELS=kernels)
    result = subprocess.run([binary, "bench", "--model", path, "--repeat", str(repeats), "--json"],
                            capture_output=True, text=True, env=environment, check=True)
    return json.loads(result.stdout)


def differences(models, directory):
    lines = []
    for stem in FACE_MODELS:
        source = os.path.join(directory, stem + ".input.f32")
        if not os.path.exists(source):
            return []
        interpreter = Interpreter(model_path=os.path.join(models, stem + ".tflite"), num_threads=1)
        interpreter.allocate_tensors()
        detail = interpreter.get_input_details()[0]
        interpreter.set_tensor(detail["index"], np.fromfile(source, dtype=np.float32).reshape(detail["shape"]))
        interpreter.invoke()
        worst = 0.0
        for index, output in enumerate(interpreter.get_output_details()):
            theirs = interpreter.get_tensor(output["index"]).reshape(-1)
            mine = np.fromfile(os.path.join(directory, f"{stem}.output{index}.f32"), dtype=np.float32)
            if mine.size != theirs.size:
                lines.append(f"{stem} output {index}: {mine.size} values here, {theirs.size} from LiteRT")
                continue
            worst = max(worst, float((np.abs(theirs - mine) / np.maximum(1.0, np.abs(theirs))).max()))
        lines.append(f"{stem} {worst:.1e}")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="models")
    parser.add_argument("--binary", default=".build/release/fotoboxctl")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--paths", default="avx512,avx2,baseline")
    parser.add_argument("--tensors", default="bench-results/face")
    args = parser.parse_args()

    supported = []
    for path in args.paths.split(","):
        probe = subprocess.run([args.binary, "bench", "--model", os.path.join(args.models, MODELS[2] + ".tflite"),
                                "--repeat", "1", "--json"], capture_output=True, text=True,
                               env=dict(os.environ, FOTOBOX_KERNELS=path))
        if probe.returncode == 0 and json.loads(probe.stdout)["kernels"] == path:
            supported.append(path)
    import ai_edge_litert
    version = getattr(ai_edge_litert, "__version__", "2.3.0")
    print(f"== face models vs LiteRT {version} + XNNPACK, one thread each, thread CPU time, "
          f"median of {args.repeat} per round, median of {args.rounds} alternating rounds ==")
    peer = {stem: [] for stem in MODELS}
    mine = {(path, stem): [] for path in supported for stem in MODELS}
    peer_best = {stem: math.inf for stem in MODELS}
    mine_best = {(path, stem): math.inf for path in supported for stem in MODELS}
    macs = {}
    for _ in range(args.rounds):
        for stem in MODELS:
            model = os.path.join(args.models, stem + ".tflite")
            for path in supported:
                result = ours(args.binary, model, args.repeat, path)
                mine[(path, stem)].append(result["medianMs"])
                mine_best[(path, stem)] = min(mine_best[(path, stem)], result["bestMs"])
                macs[stem] = result["macs"]
            median_ms, best_ms = litert(model, args.repeat)
            peer[stem].append(median_ms)
            peer_best[stem] = min(peer_best[stem], best_ms)

    def median(values):
        values = sorted(values)
        return values[len(values) // 2]

    # "best": the fastest single run of each side over all rounds — other processes only ever add time, so
    # on a loaded machine it is the steadier figure; the medians are printed beside it.
    print(f"  {'model':28s} {'path':9s} {'ours ms':>8s} {'LiteRT ms':>9s} {'ratio':>6s} {'ours GFLOP/s':>12s} {'LiteRT GFLOP/s':>14s}"
          f" {'best ours':>9s} {'best LiteRT':>11s} {'ratio':>6s}")
    for path in supported:
        chain_ours = chain_peer = best_ours = best_peer = 0.0
        for stem in MODELS:
            o, p = median(mine[(path, stem)]), median(peer[stem])
            bo, bp = mine_best[(path, stem)], peer_best[stem]
            chain_ours += CHAIN.get(stem, 0) * o
            chain_peer += CHAIN.get(stem, 0) * p
            best_ours += CHAIN.get(stem, 0) * bo
            best_peer += CHAIN.get(stem, 0) * bp
            print(f"  {stem:28s} {path:9s} {o:8.3f} {p:9.3f} {p / o:6.2f} {2 * macs[stem] / o / 1e6:12.1f} {2 * macs[stem] / p / 1e6:14.1f}"
                  f" {bo:9.3f} {bp:11.3f} {bp / bo:6.2f}")
        print(f"  {'chain (det + mesh + 2 iris)':28s} {path:9s} {chain_ours:8.3f} {chain_peer:9.3f} {chain_peer / chain_ours:6.2f}"
              f" {'':12s} {'':14s} {best_ours:9.3f} {best_peer:11.3f} {best_peer / best_ours:6.2f}")
    spread = {stem: (min(peer[stem]), max(peer[stem])) for stem in MODELS}
    print("  LiteRT per-round medians (min–max): " + ", ".join(f"{s} {a:.3f}–{b:.3f}" for s, (a, b) in spread.items()))
    lines = differences(args.models, args.tensors)
    if lines:
        print("  largest output difference to LiteRT on the chain's crops (|ours − LiteRT| ÷ max(1, |LiteRT|)): " + "; ".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
