# threading.Event: the worker writes then sets; the main thread waits then reads.
import bpy, threading

obj = bpy.data.objects["Cube"]
ev = threading.Event()

def work():
    obj.location.x = 1.0
    ev.set()

t = threading.Thread(target=work)
t.start()
ev.wait()
v = obj.location.x
t.join()
print("SCRIPT DONE")
# RACES: none
