# RUNS: 5
# A job submits a job to its own pool and waits for it: the inner job starts
# from the outer one's clock and its end is observed by result(), so their
# read-modify-writes of one property are ordered, and the main thread reads it
# after the outer job's result.  Clean.
import bpy
from concurrent.futures import ThreadPoolExecutor

scene = bpy.data.scenes["Scene"]
scene["steps"] = 0

def inner():
    scene["steps"] = scene["steps"] + 1

def outer():
    scene["steps"] = scene["steps"] + 1
    pool.submit(inner).result()
    return scene["steps"]

pool = ThreadPoolExecutor(max_workers=2)
total = pool.submit(outer).result()
print("SCRIPT DONE steps=%d/%d" % (total, scene["steps"]))
pool.shutdown()
# RACES: none
