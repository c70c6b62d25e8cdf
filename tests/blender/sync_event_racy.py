# Racy twin of sync_event.py: the main thread does not wait for the event.
import bpy, threading

obj = bpy.data.objects["Cube"]
ev = threading.Event()

def work():
    obj.location.x = 1.0
    ev.set()

t = threading.Thread(target=work)
t.start()
v = obj.location.x
ev.wait()
t.join()
print("SCRIPT DONE")
# RACES: gil bpy.data.objects["Cube"].location
