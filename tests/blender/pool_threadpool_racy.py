# RUNS: 5
# multiprocessing.pool.ThreadPool: eight map jobs nudge the Cube with no lock.
# Each item of the map is a task of its own, whichever worker ran it: a GIL race
# in every run.  (Importing multiprocessing.pool makes Blender 3.4.1 crash in
# its own exit, with or without bpyrace: the script leaves with os._exit.)
import bpy, os, sys
from multiprocessing.pool import ThreadPool

obj = bpy.data.objects["Cube"]

def nudge(i):
    obj.location.z += 0.1
    return i

pool = ThreadPool(4)
done = pool.map(nudge, range(8))
pool.close()
pool.join()
print("SCRIPT DONE z=%.1f" % obj.location.z)
sys.stdout.flush()
os._exit(0)
# RACES: gil bpy.data.objects["Cube"].location
