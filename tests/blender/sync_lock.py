# threading.Lock: both threads touch the location inside the same lock.
import bpy, threading

obj = bpy.data.objects["Cube"]
lock = threading.Lock()

def work():
    with lock:
        obj.location.x = 1.0

t = threading.Thread(target=work)
t.start()
with lock:
    v = obj.location.x
t.join()
print("SCRIPT DONE")
# RACES: none
