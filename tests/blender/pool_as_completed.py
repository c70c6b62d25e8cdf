# RUNS: 5
# Jobs fill one custom property each; the main thread reads each as
# as_completed() hands it the job's future: ordered by the future's own locks.
import bpy
from concurrent.futures import ThreadPoolExecutor, as_completed

obj = bpy.data.objects["Cube"]

def fill(i):
    obj["slot%d" % i] = i * i
    return i

with ThreadPoolExecutor(max_workers=4) as pool:
    futures = [pool.submit(fill, i) for i in range(8)]
    seen = [obj["slot%d" % f.result()] for f in as_completed(futures)]
print("SCRIPT DONE %d" % sum(seen))
# RACES: none
