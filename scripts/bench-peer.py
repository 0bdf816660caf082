#!/usr/bin/env python3
"""The OpenCV peer of `make bench`: the same imaging stages as Benchmarks/FotoboxBenchmarks on the same
frame, one thread, printed in the same "stage<TAB>ms<TAB>bytes" lines so scripts/bench can pair them."""
import sys, time
import numpy as np
import cv2

cv2.setNumThreads(1)
path = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 15
data = np.fromfile(path, dtype=np.uint8)


def median_ms(fn):
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return times[len(times) // 2]


def emit(stage, fn, nbytes):
    print(f"{stage}\t{median_ms(fn)}\t{nbytes}", flush=True)


bgr = cv2.imdecode(data, cv2.IMREAD_COLOR)
rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
h, w = rgb.shape[:2]
n = w * h * 3
copy = np.empty_like(rgb)
emit("memcpy", lambda: np.copyto(copy, rgb), 2 * n)
# OpenCV decodes to BGR; the RGB swap is part of what the station needs, so it is timed with it.
emit("jpeg decode", lambda: cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB), n)
emit("jpeg decode 1/4 (DCT)", lambda: cv2.imdecode(data, cv2.IMREAD_REDUCED_COLOR_4), n // 16)
ew, eh = w & ~1, h & ~1
yuyv = ((np.arange(ew * eh * 2, dtype=np.uint64) * 2654435761) >> 13).astype(np.uint8).reshape(eh, ew, 2)
emit("yuyv→rgb", lambda: cv2.cvtColor(yuyv, cv2.COLOR_YUV2RGB_YUYV), yuyv.size + ew * eh * 3)
nv12 = yuyv.reshape(-1)[: ew * eh * 3 // 2].reshape(eh * 3 // 2, ew)
emit("nv12→rgb", lambda: cv2.cvtColor(nv12, cv2.COLOR_YUV2RGB_NV12), nv12.size + ew * eh * 3)
emit("rgb→gray", lambda: cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), n + w * h)
emit("area resize 1/4", lambda: cv2.resize(rgb, (w // 4, h // 4), interpolation=cv2.INTER_AREA), n + n // 16)
# Rotate 5° about the centre, scale 0.6, into a 622×800 photo (the same matrix as the Swift side).
import math
r = math.radians(5)
a, b, c, d = 0.6 * math.cos(r), -0.6 * math.sin(r), 0.6 * math.sin(r), 0.6 * math.cos(r)
tx = -(a * w / 2 + b * h / 2) + 311
ty = -(c * w / 2 + d * h / 2) + 400
# OpenCV's matrix maps pixel centres at integer coordinates; ours at +0.5: shift by (M - I)·0.5.
M = np.array([[a, b, tx + 0.5 * (a + b) - 0.5], [c, d, ty + 0.5 * (c + d) - 0.5]])
emit("warp bicubic 622×800", lambda: cv2.warpAffine(rgb, M, (622, 800), flags=cv2.INTER_CUBIC), 622 * 800 * 3)
emit("warp bilinear 622×800", lambda: cv2.warpAffine(rgb, M, (622, 800), flags=cv2.INTER_LINEAR), 622 * 800 * 3)
lut = np.dstack([np.clip(255 * (np.minimum(255, np.arange(256) * g) / 255) ** 0.8, 0, 255).astype(np.uint8)
                 for g in (1.1, 1.0, 0.9)])
emit("colour correction", lambda: cv2.LUT(rgb, lut), 2 * n)
params = [cv2.IMWRITE_JPEG_QUALITY, 95, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]
emit("jpeg encode q95 4:4:4", lambda: cv2.imencode(".jpg", bgr, params), n)
