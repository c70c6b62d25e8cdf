# threading.Condition: the worker writes, then notifies; the main thread waits, then reads.
import bpy, threading

obj = bpy.data.objects["Cube"]
cond = threading.Condition()
ready = False

def work():
    global ready
    obj.location.x = 1.0
    with cond:
        ready = True
        cond.notify()

t = threading.Thread(target=work)
t.start()
with cond:
    while not ready:
        cond.wait()
v = obj.location.x
t.join()
print("SCRIPT DONE")
# RACES: none
