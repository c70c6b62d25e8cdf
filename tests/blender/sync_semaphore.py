# threading.Semaphore(0): the worker writes then releases; the main thread acquires then reads.
import bpy, threading

obj = bpy.data.objects["Cube"]
sem = threading.Semaphore(0)

def work():
    obj.location.x = 1.0
    sem.release()

t = threading.Thread(target=work)
t.start()
sem.acquire()
v = obj.location.x
t.join()
print("SCRIPT DONE")
# RACES: none
