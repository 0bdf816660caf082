#!/usr/bin/env python3
"""The whole still job against an OpenCV pipeline doing the same work (issue 19), one thread each,
alternating in one run, in thread CPU time (other processes on a shared machine count on neither side).

Ours: `fotoboxctl bench IMAGE --json` ("total": decode, the face chain, the ICAO crop with an area
pre-reduction and a bicubic warp, white balance + exposure, the q100 4:4:4 optimised JPEG encode, then the
face chain and the compliance checks on the result). The peer, in OpenCV 4.14 (Python, cv2.setNumThreads(1)):
  decode (imdecode + BGR→RGB); the face chain = letterbox warp to 128² + detector, 2 × (192² warp + mesh)
  (our full mode runs the mesh twice, the second on the refined crop), 2 × (64² warp + iris), each warp
  bilinear and each tensor scaled to float as ours; the crop with OUR plan's matrix and size (INTER_AREA
  pre-reduction by the same factor, then warpAffine INTER_CUBIC); white balance + exposure as one per-channel
  LUT after measuring the background and face means; imencode q100, 4:4:4, IMWRITE_JPEG_OPTIMIZE; then the
  face chain again on the photo, and the hand models on the photo (the check handAtFace): the palm detector
  on a 192² letterbox of it, then the hand landmark model on a 224² warp of each hand region ours ran it on
  (the same number of runs), each tensor in [0, 1] as ours. The peer skips what ours does besides (the
  detector's anchor decoding, chin and crown search, head-pose fit, the palm anchors' decoding, the
  compliance checks): the comparison favours the peer.
  Crop positions of the peer's face chain and hand regions come from ours (their cost does not depend on
  the position). Both sides' hand models are also timed alone ("hands", a share of the total), and the
  job without them is printed beside (total − hands).

    scripts/setup --bench                       # opencv-python-headless (pinned), numpy
    scripts/bench-still.py [FRAME.jpg] [--profile scan] [--rounds 3] [--repeat 15] [--binary .build/release/fotoboxctl]

The default frame is a 1350×1350 portrait of the FRLL set in ../shared/testdata with the scan profile (the
test frames are too far from the camera for the live profile's 300 px between the eyes).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import cv2
import numpy as np

MODELS = [  # stem, input size, output names (as scripts/bench-face.py)
    ("face_detection_short_range", 128, ["regressors", "classificators"]),
    ("face_landmark", 192, ["conv2d_20", "conv2d_30"]),
    ("iris_landmark", 64, ["output_eyes_contours_and_brows", "output_iris"]),
]
HANDS = [  # the hand models of handAtFace: the palm detector, the hand landmark model (names as cv2.dnn gives them)
    ("palm_detection_full", 192, ["Identity", "Identity_1"]),
    ("hand_landmark_full", 224, ["Identity", "Identity_1", "Identity_2", "Identity_3"]),
]


def opencv_matrix(t):
    """Our transform (pixel centres at +0.5) as OpenCV's warpAffine matrix (centres at integers)."""
    a, b, tx, c, d, ty = t
    return np.array([[a, b, tx + 0.5 * (a + b) - 0.5], [c, d, ty + 0.5 * (c + d) - 0.5]])


def square_crop(centre, side, angle, size):
    """ModelCrop: a side×side square at centre turned by angle (radians), shown at size×size."""
    s = size / side
    ca, sa = math.cos(-angle), math.sin(-angle)
    a, b, c, d = s * ca, -s * sa, s * sa, s * ca
    tx = -(a * centre[0] + b * centre[1]) + size / 2
    ty = -(c * centre[0] + d * centre[1]) + size / 2
    return opencv_matrix((a, b, tx, c, d, ty))


class Chain:
    def __init__(self, models):
        self.nets = []
        for stem, size, names in MODELS + HANDS:
            net = cv2.dnn.readNetFromTFLite(os.path.join(models, stem + ".tflite"))
            self.nets.append((net, size, names))

    def forward(self, index, image, matrix, scale, offset):
        net, size, names = self.nets[index]
        crop = cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        tensor = crop.astype(np.float32) * scale + offset
        net.setInput(np.ascontiguousarray(tensor.transpose(2, 0, 1)[None]))  # the importer takes NCHW
        return net.forward(names)

    def run(self, image, pupils):
        self.forward(0, image, letterbox(image, 128), 2 / 255, -1)
        (lx, ly), (rx, ry) = pupils
        ipd = math.hypot(rx - lx, ry - ly)
        angle = math.atan2(ry - ly, rx - lx)
        centre = ((lx + rx) / 2, (ly + ry) / 2 + 0.6 * ipd)
        for _ in range(2):
            self.forward(1, image, square_crop(centre, 3.4 * ipd, angle, 192), 1 / 255, 0)
        for eye in ((lx, ly), (rx, ry)):
            self.forward(2, image, square_crop(eye, 0.9 * ipd, angle, 64), 1 / 255, 0)

    def hands(self, image, regions):
        """handAtFace: the palm detector on the whole image, the hand landmark model on each of ours' hand regions."""
        self.forward(3, image, letterbox(image, 192), 1 / 255, 0)
        for cx, cy, side, angle in regions:
            self.forward(4, image, square_crop((cx, cy), side, angle, 224), 1 / 255, 0)


def letterbox(image, size):
    """The whole image scaled to fit size×size, centred, black bars (ModelCrop(letterboxing:))."""
    h, w = image.shape[:2]
    s = size / max(w, h)
    return opencv_matrix((s, 0, (size - w * s) / 2, 0, s, (size - h * s) / 2))


def peer_job(data, plan, chain):
    rgb = cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    chain.run(rgb, plan["framePupils"])
    h, w = rgb.shape[:2]
    matrix = np.array(plan["transform"], dtype=np.float64)
    factor = plan["reduce"]
    source = rgb
    if factor >= 2:
        rw, rh = max(1, w // factor), max(1, h // factor)
        source = cv2.resize(rgb, (rw, rh), interpolation=cv2.INTER_AREA)
        # reduced pixels → frame pixels, then the plan
        a, b, tx, c, d, ty = matrix
        ex, ey = w / rw, h / rh
        matrix = np.array([a * ex, b * ey, tx, c * ex, d * ey, ty])
    photo = cv2.warpAffine(source, opencv_matrix(matrix), (plan["width"], plan["height"]), flags=cv2.INTER_CUBIC,
                           borderMode=cv2.BORDER_REPLICATE)
    # White balance from the background, exposure from the face: per-channel gains and a gamma, one LUT.
    ph, pw = photo.shape[:2]
    background = cv2.mean(photo[: ph // 8])[:3]
    face = cv2.mean(photo[ph // 3: 2 * ph // 3, pw // 3: 2 * pw // 3])[:3]
    grey = sum(background) / 3
    gains = [grey / max(v, 1) for v in background]
    exposure = math.log(0.5) / math.log(max(min(sum(face) / 3 / 255, 0.99), 0.01))
    ramp = np.arange(256, dtype=np.float32) / 255
    lut = np.dstack([np.clip(255 * np.minimum(ramp * g, 1) ** exposure + 0.5, 0, 255).astype(np.uint8) for g in gains])
    photo = cv2.LUT(photo, lut)
    params = [cv2.IMWRITE_JPEG_QUALITY, 100, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444,
              cv2.IMWRITE_JPEG_OPTIMIZE, 1]
    ok, _ = cv2.imencode(".jpg", cv2.cvtColor(photo, cv2.COLOR_RGB2BGR), params)
    assert ok
    chain.run(photo, plan["photoPupils"])
    chain.hands(photo, plan["handRegions"])
    return photo


def median_time(body, repeats):
    """body() once to warm up, then the median of `repeats` runs in this thread's CPU time (ms)."""
    body()
    times = []
    for _ in range(repeats):
        start = time.thread_time_ns()
        body()
        times.append((time.thread_time_ns() - start) / 1e6)
    times.sort()
    return times[len(times) // 2]


def peer(data, plan, chain, repeats):
    """The whole job's median and the hand models' alone (on the job's photo), as ours' "total" and "hands"."""
    photo = peer_job(data, plan, chain)
    total = median_time(lambda: peer_job(data, plan, chain), repeats)
    hands = median_time(lambda: chain.hands(photo, plan["handRegions"]), repeats)
    return total, hands


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("frame", nargs="?", default="../shared/testdata/faces/frll/001_03.jpg")
    parser.add_argument("--profile", default="scan", choices=["live", "scan"])
    parser.add_argument("--binary", default=".build/release/fotoboxctl")
    parser.add_argument("--models", default="models")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    if not os.path.exists(args.frame):
        print(f"bench-still: {args.frame} is absent (../shared/testdata); skipped")
        return 0
    data = np.fromfile(args.frame, dtype=np.uint8)
    chain = Chain(args.models)
    ours, theirs, ours_hands, theirs_hands = [], [], [], []
    plan = None
    for _ in range(args.rounds):
        result = subprocess.run([args.binary, "bench", args.frame, "--repeat", str(args.repeat), "--models", args.models,
                                 "--profile", args.profile, "--json"], capture_output=True, text=True, check=True)
        report = json.loads(result.stdout)
        ours.append(report["medianMs"]["total"])
        ours_hands.append(report["medianMs"]["hands"])
        plan = report["plan"]
        total, hands = peer(data, plan, chain, args.repeat)
        theirs.append(total)
        theirs_hands.append(hands)
    median = lambda v: sorted(v)[len(v) // 2]
    o, p = median(ours), median(theirs)
    oh, ph = median(ours_hands), median(theirs_hands)
    print(f"== whole still job vs an OpenCV {cv2.__version__} pipeline doing the same work, one thread each, "
          f"thread CPU time, median of {args.repeat} per round, median of {args.rounds} alternating rounds ==")
    runs = len(plan["handRegions"])
    print(f"  {os.path.basename(args.frame)} → {plan['width']}×{plan['height']}: ours {o:.2f} ms, OpenCV {p:.2f} ms, "
          f"ratio {p / o:.2f} (above 1: we are faster)")
    print(f"  of which the hand models (palm detector + {runs} hand landmark run{'s' if runs != 1 else ''}): "
          f"ours {oh:.2f} ms, OpenCV {ph:.2f} ms, ratio {ph / oh:.2f}")
    print(f"  without the hand models (total − hands): ours {o - oh:.2f} ms, OpenCV {p - ph:.2f} ms, ratio {(p - ph) / (o - oh):.2f}")
    print("  per round (ours / OpenCV ms): " + ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(ours, theirs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
