"""The recorder keeps its long-lived memory out of the program's heap
(shim/py/own_memory.c): interned paths and tables taken from Blender's
allocator between Blender's own short-lived blocks made Blender's later
allocations slower (docs/performance.md, "Eighth pass").

Runs tests/blender/heap_vars.py (12,000 variables of 2,000 objects seen for
the first time) in plain Blender and under `bpyrace run`, each with
jemalloc's statistics printed at exit (MALLOC_CONF=stats_print:true;
Debian's Blender allocates with jemalloc), and compares the number of small
allocations (size classes up to 512 bytes) the two processes made:
recorded, at most 1,200 more than plain.  Measured: plain runs differ by up
to 500 between themselves, the recorder's short-lived calls into Blender
(a struct's repr, for its path) add about 400, and a copy of each path and
name on the heap, as before, added 2,900.
Usage: check_heap.py BPYRACE.  Exit 0 pass, 1 fail, 99 broken."""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import broken  # noqa: E402

PROG = "check_heap"
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "heap_vars.py")
LIMIT = 1200


def small_mallocs(cmd, env):
    """Allocations of jemalloc's small size classes (<= 512 bytes) in the
    merged arena statistics of a run of CMD."""
    run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         errors="replace", timeout=200, env=env)
    out = run.stdout
    if run.returncode != 0 or "heap_vars: objects=" not in out:
        sys.stderr.write(out[-3000:])
        broken(PROG, "%s exited %d or the script did not finish" % (cmd[0], run.returncode))
    # Every process with jemalloc prints its statistics at exit (Blender's
    # helpers too): Blender's are the table with the most allocations.
    total = 0
    for table in out.split("\nbins:")[1:]:
        n = 0
        for line in table.splitlines()[1:]:
            if line.strip() == "---":
                continue
            m = re.match(r"\s*(\d+)\s+\d+\s+\d+\s+(\d+)\s", line)
            if not m:
                break   # (the bins table ends)
            if int(m.group(1)) <= 512:
                n += int(m.group(2))
        total = max(total, n)
    if total == 0:
        broken(PROG, "no jemalloc statistics in the output of %s (is Blender's allocator jemalloc?)"
               % cmd[0])
    return total


def main():
    if len(sys.argv) != 2:
        broken(PROG, "usage: check_heap.py BPYRACE")
    bpyrace = sys.argv[1]
    env = dict(os.environ, MALLOC_CONF="stats_print:true")
    blender = ["blender", "-b", "--factory-startup", "--python", SCRIPT]
    with tempfile.TemporaryDirectory(prefix="bpyrace-heap-") as tmp:
        plain = small_mallocs(blender, env)
        recorded = small_mallocs([bpyrace, "run", "--quiet", "--exitcode", "0", "-o",
                                  os.path.join(tmp, "t.trace"), "--"] + blender, env)
    extra = recorded - plain
    print("%s: small allocations: plain %d, recorded %d (%+d, limit %+d)"
          % (PROG, plain, recorded, extra, LIMIT))
    if extra > LIMIT:
        print("%s: FAIL: the recorder allocates on the program's heap" % PROG)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
