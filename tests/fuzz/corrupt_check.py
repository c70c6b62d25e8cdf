#!/usr/bin/env python3
"""The issue-14 corruption check: mutate a valid trace N ways with a fixed seed
(a third each: random bit flips anywhere, truncation at a random length, an
8-byte random overwrite in the header or the first two chunks) and run
`bpyrace report` on each, writing every report format.  Every case must end
with status 0, 2 or 66, by exit (no signal), within the time limit.

Usage: corrupt_check.py BPYRACE TRACE [N [SEED]]
Exit 0 pass, 1 fail (the failing inputs are kept and named), 99 harness broken."""
import os
import random
import subprocess
import sys
import tempfile
import time

LIMIT = 20.0   # seconds a case may take; the intact trace takes milliseconds
OK = (0, 2, 66)


def mutate(data, kind, rng):
    d = bytearray(data)
    if kind == 0:
        for _ in range(rng.randint(1, 16)):
            p = rng.randrange(len(d))
            d[p] ^= 1 << rng.randrange(8)
    elif kind == 1:
        d = d[:rng.randrange(len(d))]
    else:
        chunk = int.from_bytes(data[16:20], "little")   # the header's chunk_size
        p = rng.randrange(0, min(len(d), 4096 + 2 * chunk) - 8)
        d[p:p + 8] = rng.getrandbits(64).to_bytes(8, "little")
    return bytes(d)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 99
    bpyrace, trace = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 360
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 14
    try:
        data = open(trace, "rb").read()
    except OSError as e:
        print(f"corrupt_check: {trace}: {e}", file=sys.stderr)
        return 99
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="bpyrace-corrupt-")
    case = os.path.join(work, "case.trace")
    outs = ["--json", os.devnull, "--sarif", os.devnull, "--junit", os.devnull,
            "--timeline", os.devnull]
    bad, slowest = [], 0.0
    for i in range(n):
        kind = i % 3
        with open(case, "wb") as f:
            f.write(mutate(data, kind, rng))
        t0 = time.monotonic()
        try:
            p = subprocess.run([bpyrace, "report", *outs, case], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=LIMIT)
            status, last = p.returncode, (p.stderr.decode(errors="replace").strip()
                                          .splitlines() or [""])[-1]
        except subprocess.TimeoutExpired:
            status, last = "timeout", ""
        dt = time.monotonic() - t0
        slowest = max(slowest, dt)
        if status not in OK:
            kept = os.path.join(work, f"case{i}.trace")
            os.rename(case, kept)
            how = f"signal {-status}" if isinstance(status, int) and status < 0 else f"status {status}"
            bad.append(f"case {i} (kind {kind}): {how} after {dt:.1f} s: {last} [{kept}]")
    print(f"corrupt_check: {n} cases, seed {seed}, {len(bad)} bad, slowest {slowest:.2f} s")
    for b in bad:
        print("FAIL:", b)
    if not bad:
        for f in os.listdir(work):
            os.unlink(os.path.join(work, f))
        os.rmdir(work)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
