# ThreadPoolExecutor + Future.result: the main thread reads after the result.
import bpy
from concurrent.futures import ThreadPoolExecutor

obj = bpy.data.objects["Cube"]

def work():
    obj.location.x = 1.0
    return 1

with ThreadPoolExecutor(max_workers=1) as ex:
    f = ex.submit(work)
    f.result()
    v = obj.location.x
print("SCRIPT DONE")
# RACES: none
