# Racy twin of sync_join.py: the main thread reads before joining.
import bpy, threading

obj = bpy.data.objects["Cube"]

def work():
    obj.location.x = 1.0

t = threading.Thread(target=work)
t.start()
v = obj.location.x
t.join()
print("SCRIPT DONE")
# RACES: gil bpy.data.objects["Cube"].location
