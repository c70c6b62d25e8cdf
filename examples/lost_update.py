# The bundled example: four worker threads nudge the default Cube with
# `location.x += 1` and no lock.  Each update is a read then a write of
# bpy.data.objects["Cube"].location with only the interpreter's thread
# switches between them: a GIL race, reported whether or not an update was
# lost in this run.  Run it with:
#   build/bpyrace run -- blender -b --factory-startup --python examples/lost_update.py
import threading
import bpy

STEPS = 20000
cube = bpy.data.objects["Cube"]
cube.location.x = 0.0
# All four start together, so the updates really interleave; bpyrace reports
# the race without it too (it does not depend on the schedule).
start = threading.Barrier(4)


def nudge():
    start.wait()
    for _ in range(STEPS):
        cube.location.x += 1.0


workers = [threading.Thread(target=nudge, name=f"nudger-{i}") for i in range(4)]
for w in workers:
    w.start()
for w in workers:
    w.join()
print(f"lost_update: x={cube.location.x:.0f} expected={4 * STEPS}")
