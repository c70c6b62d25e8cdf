# RUNS: 5
# The same jobs with one threading.Lock around each read-modify-write: the lock
# orders the tasks as it would threads; the main thread reads after the with
# block (shutdown(wait=True)).  Clean.
import bpy, threading
from concurrent.futures import ThreadPoolExecutor

obj = bpy.data.objects["Cube"]
lock = threading.Lock()

def nudge(i):
    with lock:
        obj.location.z += 0.1
    return i

with ThreadPoolExecutor(max_workers=4) as pool:
    done = list(pool.map(nudge, range(8)))
print("SCRIPT DONE z=%.1f" % obj.location.z)
# RACES: none
