# Racy twin of sync_rlock.py: the worker does not take the RLock.
import bpy, threading

obj = bpy.data.objects["Cube"]
lock = threading.RLock()

def work():
    obj.location.x = 1.0

t = threading.Thread(target=work)
t.start()
with lock:
    with lock:
        v = obj.location.x
t.join()
print("SCRIPT DONE")
# RACES: gil bpy.data.objects["Cube"].location
