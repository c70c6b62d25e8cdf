"""The recorder's hot tables (the memos every access reads, its first tables
and interned texts) live in one 4 MiB region, aligned to 2 MiB, resident from
the start and advised for transparent huge pages (shim/py/own_memory.c;
docs/performance.md, "Thirteenth pass").

Runs tests/blender/hot_region_maps.py in plain Blender and under `bpyrace
run`; the script lists its 4 MiB anonymous mappings on a 2 MiB boundary.
Recorded: exactly one more of them is advised for huge pages than plain
(plain Blender advises none), and it is wholly resident.  Whether the kernel
backs it with huge pages depends on its THP mode and on free memory, so the
test prints that and asserts it only where it cannot fail for want of
memory: with THP "never" there are none.
Usage: check_hot_region.py BPYRACE.  Exit 0 pass, 1 fail, 99 broken."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import broken, run_main, run_traced  # noqa: E402

PROG = "check_hot_region"
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hot_region_maps.py")


def regions(output):
    """(rss, huge, advised) of each region the script listed."""
    if "hot_region_maps: done" not in output:
        broken(PROG, "the script did not finish")
    out = []
    for line in output.splitlines():
        if line.startswith("hot_region_maps: region "):
            kv = dict(p.split("=") for p in line.split()[2:])
            out.append((int(kv["rss"]), int(kv["huge"]), kv["advised"] == "1"))
    return out


def thp_mode():
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            text = f.read()
    except OSError:
        return "never"
    return text[text.index("[") + 1:text.index("]")] if "[" in text else "never"


def main():
    if len(sys.argv) != 2:
        broken(PROG, "usage: check_hot_region.py BPYRACE")
    bpyrace = sys.argv[1]
    plain_run = subprocess.run(["blender", "-b", "--factory-startup", "--python", SCRIPT],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               errors="replace", timeout=100)
    plain = [r for r in regions(plain_run.stdout) if r[2]]
    with tempfile.TemporaryDirectory(prefix="bpyrace-hot-") as tmp:
        run = run_traced(PROG, bpyrace, SCRIPT, os.path.join(tmp, "t.trace"))
    recorded = [r for r in regions(run.stdout) if r[2]]
    mode = thp_mode()
    print("%s: THP %s; advised 4 MiB regions: plain %s, recorded %s (rss, huge pages in KiB)"
          % (PROG, mode, [r[:2] for r in plain], [r[:2] for r in recorded]))
    ok = True
    if len(recorded) != len(plain) + 1:
        print("%s: FAIL: expected exactly one advised region more than plain Blender's" % PROG)
        ok = False
    ours = [r for r in recorded if r not in plain] or recorded[-1:]
    if ours and ours[0][0] != 4096:
        print("%s: FAIL: the recorder's region is not wholly resident (%d KiB)" % (PROG, ours[0][0]))
        ok = False
    if mode == "never" and any(r[1] for r in recorded):
        print("%s: FAIL: huge pages with THP \"never\"" % PROG)
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    run_main(PROG, main)
