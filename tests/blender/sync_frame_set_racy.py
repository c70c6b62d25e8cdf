# A worker reads the Cube while the main thread runs scene.frame_set(): Blender's native
# frame change (GIL released by the host: a global write) races with the read.
import bpy, threading

scene = bpy.context.scene
obj = bpy.data.objects["Cube"]

def work():
    v = obj.location.x

t = threading.Thread(target=work)
t.start()
scene.frame_set(3)
t.join()
print("SCRIPT DONE")
# RACES: hard bpy.data.objects["Cube"].location
