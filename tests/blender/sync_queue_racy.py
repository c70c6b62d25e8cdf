# Racy twin of sync_queue.py: the main thread reads before getting.
import bpy, threading, queue

obj = bpy.data.objects["Cube"]
q = queue.Queue()

def work():
    obj.location.x = 1.0
    q.put(1)

t = threading.Thread(target=work)
t.start()
v = obj.location.x
q.get()
t.join()
print("SCRIPT DONE")
# RACES: gil bpy.data.objects["Cube"].location
