#!/usr/bin/env python3
"""bpyrace must not change what the corpus scripts compute.

usage: outputs_same.py BPYRACE CORPUS_DIR

For every CORPUS_DIR/*.py, run `blender -b --factory-startup --python SCRIPT` with and
without `bpyrace run --quiet --exitcode 0`, take the script's summary line from stdout
(the line starting with "NAME:"), mask the schedule-dependent `threads=N` and `reads=N`,
and compare.  Neither run may print a Traceback.
exit 0 pass, 1 mismatch, 99 harness broken.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

from harness import run_main, broken as harness_broken


def broken(msg):
    harness_broken("outputs_same", msg)


def summary(name, out):
    lines = [l for l in out.splitlines() if l.startswith(name + ":")]
    if len(lines) != 1:
        return None
    return re.sub(r"\b(threads|reads)=\d+", r"\1=N", lines[0].strip())


def run(cmd, cwd):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
                           text=True, errors="replace", timeout=60)
    except subprocess.TimeoutExpired:
        return None, "timed out"
    return p, None


def main():
    if len(sys.argv) != 3:
        broken("usage: outputs_same.py BPYRACE CORPUS_DIR")
    bpyrace, corpus = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    scripts = sorted(glob.glob(os.path.join(corpus, "*.py")))
    if not scripts:
        broken("no scripts in " + corpus)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="outputs_same.") as tmp:
        for script in scripts:
            name = os.path.splitext(os.path.basename(script))[0]
            blender = ["blender", "-b", "--factory-startup", "--python", script]
            plain, err1 = run(blender, tmp)
            traced, err2 = run([bpyrace, "run", "--quiet", "--exitcode", "0",
                                "-o", os.path.join(tmp, name + ".trace"), "--"] + blender, tmp)
            problems = []
            if err1 or err2:
                problems.append("plain: %s, bpyrace: %s" % (err1, err2))
            else:
                for what, p in (("plain", plain), ("bpyrace", traced)):
                    if p.returncode != 0:
                        problems.append("%s run exited %d" % (what, p.returncode))
                    if "Traceback" in p.stdout or "Traceback" in p.stderr:
                        problems.append("%s run printed a Traceback" % what)
                a, b = summary(name, plain.stdout), summary(name, traced.stdout)
                if a is None or b is None:
                    problems.append("no single summary line (plain %r, bpyrace %r)" % (a, b))
                elif a != b:
                    problems.append("summary differs:\n    plain:   %s\n    bpyrace: %s" % (a, b))
            try:
                os.unlink(os.path.join(tmp, name + ".trace"))
            except OSError:
                pass
            if problems:
                failed += 1
                print("FAIL %s: %s" % (name, "; ".join(problems)))
                for what, p in (("plain", plain), ("bpyrace", traced)):
                    if p is not None and ("Traceback" in p.stdout + p.stderr or p.returncode):
                        print("--- %s stdout/stderr tail:\n%s%s" % (what, p.stdout[-1500:], p.stderr[-1500:]))
            else:
                print("ok   %s: %s" % (name, a))
    print("outputs_same: %d scripts, %d failed" % (len(scripts), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    run_main("outputs_same", main)
