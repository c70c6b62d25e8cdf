# Racy twin of sync_semaphore.py: the main thread reads before acquiring.
import bpy, threading

obj = bpy.data.objects["Cube"]
sem = threading.Semaphore(0)

def work():
    obj.location.x = 1.0
    sem.release()

t = threading.Thread(target=work)
t.start()
v = obj.location.x
sem.acquire()
t.join()
print("SCRIPT DONE")
# RACES: gil bpy.data.objects["Cube"].location
