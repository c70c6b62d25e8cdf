# RUNS: 5
# multiprocessing.pool.ThreadPool used correctly: each job writes its own
# custom property; the main thread reads them only once a result is handed
# over (apply_async().get(), imap_unordered's items, a callback through a
# queue.Queue, map's list) or after close() and join().  Clean.
# (The script leaves with os._exit: see pool_threadpool_racy.py.)
import bpy, os, queue, sys
from multiprocessing.pool import ThreadPool

obj = bpy.data.objects["Cube"]
ready = queue.Queue()

def fill(i):
    obj["slot%d" % i] = i
    return i

pool = ThreadPool(3)
a = pool.apply_async(fill, (0,))
seen = [obj["slot%d" % a.get()]]
seen += [obj["slot%d" % i] for i in pool.imap_unordered(fill, range(1, 4))]
pool.apply_async(fill, (4,), callback=ready.put)
seen.append(obj["slot%d" % ready.get()])
seen += [obj["slot%d" % i] for i in pool.map(fill, range(5, 8))]
pool.apply_async(fill, (8,))
pool.close()
pool.join()
seen.append(obj["slot8"])
print("SCRIPT DONE %s" % seen)
sys.stdout.flush()
os._exit(0)
# RACES: none
