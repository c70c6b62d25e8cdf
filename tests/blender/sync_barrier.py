# threading.Barrier(2): the worker writes then waits; the main thread waits then reads.
import bpy, threading

obj = bpy.data.objects["Cube"]
barrier = threading.Barrier(2)

def work():
    obj.location.x = 1.0
    barrier.wait()

t = threading.Thread(target=work)
t.start()
barrier.wait()
v = obj.location.x
t.join()
print("SCRIPT DONE")
# RACES: none
