# RUNS: 5
# A subclass of ThreadPoolExecutor that wraps submit (as add-ons do to log or
# count jobs) keeps its jobs tasks: their unlocked read-modify-writes race.
import bpy
from concurrent.futures import ThreadPoolExecutor

scene = bpy.data.scenes["Scene"]
scene["jobs"] = 0

class CountingPool(ThreadPoolExecutor):
    submitted = 0

    def submit(self, fn, /, *args, **kwargs):
        CountingPool.submitted += 1
        return super().submit(fn, *args, **kwargs)

def job(i):
    scene["jobs"] = scene["jobs"] + 1

with CountingPool(max_workers=2, thread_name_prefix="counting") as pool:
    list(pool.map(job, range(6)))
print("SCRIPT DONE submitted=%d" % CountingPool.submitted)
# RACES: gil bpy.data.scenes["Scene"]["jobs"]
