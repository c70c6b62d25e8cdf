# Temporary IDs in a long session, timed inside the script: an add-on that
# makes a helper object and removes it again (a bake or export step), 500
# times, in a session that has already read and written 2,000 objects.
# Under the recorder each removal forgets the removed ID's variables (its
# address may come back as a new ID's): the cost must follow the removed
# ID's variables, not every variable the session ever made.
import time

import bpy

scene = bpy.context.scene
mesh = bpy.data.meshes.new("bench_mesh")
keep = []
for i in range(2000):
    ob = bpy.data.objects.new("keep_%04d" % i, mesh)
    ob.location.x = i
    ob.scale.y = 1.0
    ob.hide_render = False
    ob["weight"] = i
    keep.append(ob)
t0 = time.perf_counter()
for k in range(500):
    ob = bpy.data.objects.new("helper", mesh)
    ob.location.x = k
    bpy.data.objects.remove(ob)
print(f"id_churn: kept={len(keep)} loop_seconds={time.perf_counter() - t0:.4f}")
