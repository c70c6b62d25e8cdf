# Racy twin of sync_future.py: the main thread reads before the result.
import bpy
from concurrent.futures import ThreadPoolExecutor

obj = bpy.data.objects["Cube"]

def work():
    obj.location.x = 1.0
    return 1

with ThreadPoolExecutor(max_workers=1) as ex:
    f = ex.submit(work)
    v = obj.location.x
    f.result()
print("SCRIPT DONE")
# RACES: gil bpy.data.objects["Cube"].location
