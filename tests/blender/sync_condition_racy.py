# Racy twin of sync_condition.py: the main thread spins on a plain flag (no sync).
import bpy, threading

obj = bpy.data.objects["Cube"]
ready = False

def work():
    global ready
    obj.location.x = 1.0
    ready = True

t = threading.Thread(target=work)
t.start()
while not ready:
    pass
v = obj.location.x
t.join()
print("SCRIPT DONE")
# RACES: gil bpy.data.objects["Cube"].location
