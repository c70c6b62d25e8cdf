# The worker is joined before scene.frame_set(): no race.
import bpy, threading

scene = bpy.context.scene
obj = bpy.data.objects["Cube"]

def work():
    v = obj.location.x

t = threading.Thread(target=work)
t.start()
t.join()
scene.frame_set(3)
print("SCRIPT DONE")
# RACES: none
