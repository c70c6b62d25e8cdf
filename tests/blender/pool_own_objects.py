# RUNS: 5
# Each job touches only its own object, made by the main thread before the
# submit; the main thread reads them back from the futures' results.  Clean.
import bpy
from concurrent.futures import ThreadPoolExecutor

mesh = bpy.data.meshes["Cube"]
objs = [bpy.data.objects.new("Job%d" % i, mesh) for i in range(6)]

def place(obj):
    obj.location.x = 2.0
    obj["placed"] = True
    return obj

pool = ThreadPoolExecutor(max_workers=3)
futures = [pool.submit(place, o) for o in objs]
placed = [f.result() for f in futures]
print("SCRIPT DONE %s" % sorted(o.name for o in placed if o["placed"] and o.location.x == 2.0))
pool.shutdown()
# RACES: none
