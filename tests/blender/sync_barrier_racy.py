# Racy twin of sync_barrier.py: the main thread reads before the barrier.
import bpy, threading

obj = bpy.data.objects["Cube"]
barrier = threading.Barrier(2)

def work():
    obj.location.x = 1.0
    barrier.wait()

t = threading.Thread(target=work)
t.start()
v = obj.location.x
barrier.wait()
t.join()
print("SCRIPT DONE")
# RACES: gil bpy.data.objects["Cube"].location
