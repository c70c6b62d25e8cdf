# RUNS: 5
# Eight jobs on a ThreadPoolExecutor(4) each nudge the Cube with a
# read-modify-write and no lock.  Jobs are short: in most runs one worker runs
# them one after another, ordered only by the pool's own bookkeeping.  Jobs of
# one pool are tasks: nothing orders two of them, a GIL race in every run.
import bpy
from concurrent.futures import ThreadPoolExecutor

obj = bpy.data.objects["Cube"]

def nudge(i):
    obj.location.z += 0.1
    return i

with ThreadPoolExecutor(max_workers=4) as pool:
    done = list(pool.map(nudge, range(8)))
print("SCRIPT DONE z=%.1f" % obj.location.z)
# RACES: gil bpy.data.objects["Cube"].location
