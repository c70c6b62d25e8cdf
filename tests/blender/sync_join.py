# Thread.join: the main thread joins the worker, then reads.
import bpy, threading

obj = bpy.data.objects["Cube"]

def work():
    obj.location.x = 1.0

t = threading.Thread(target=work)
t.start()
t.join()
v = obj.location.x
print("SCRIPT DONE")
# RACES: none
