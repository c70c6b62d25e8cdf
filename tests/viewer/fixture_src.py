# Source of the frames in fixture.json (tests/viewer): the viewer shows these
# lines as the source context of a selected frame.  Never run.
import threading

import bpy

stop = threading.Event()


def watch(obj, acc):
    while not stop.is_set():
        loc = obj.location
        acc[0] += loc[2]


def bump(scene, n):
    for _ in range(n):
        scene["counter"] += 1


def smooth(mesh):
    for v in mesh.vertices[80:120]:
        v.co.z *= 0.5


reader = threading.Thread(target=watch, args=(bpy.data.objects["Cube"], [0.0]), name="reader")
reader.start()
workers = [threading.Thread(target=bump, args=(bpy.context.scene, 1000)) for _ in range(2)]
for w in workers:
    w.start()
for f in range(1, 250):
    bpy.context.scene.frame_set(f)
stop.set()
reader.join()
