# RUNS: 5
# A done-callback hands the job's result to the main thread through a
# queue.Queue: the callback runs after the job (on its worker, or at once if
# the job already ended), the queue orders the main thread's read.  Clean.
import bpy, queue
from concurrent.futures import ThreadPoolExecutor

obj = bpy.data.objects["Cube"]
ready = queue.Queue()

def bake(i):
    obj["baked%d" % i] = float(i)
    return i

def hand_off(future):
    ready.put(future.result())

pool = ThreadPoolExecutor(max_workers=2)
for i in range(4):
    pool.submit(bake, i).add_done_callback(hand_off)
total = sum(obj["baked%d" % ready.get()] for _ in range(4))
pool.shutdown(wait=False)
print("SCRIPT DONE %.0f" % total)
# RACES: none
