# queue.Queue: the worker writes then puts; the main thread gets then reads.
import bpy, threading, queue

obj = bpy.data.objects["Cube"]
q = queue.Queue()

def work():
    obj.location.x = 1.0
    q.put(1)

t = threading.Thread(target=work)
t.start()
q.get()
v = obj.location.x
t.join()
print("SCRIPT DONE")
# RACES: none
