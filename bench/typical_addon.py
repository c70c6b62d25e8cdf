# What a typical threaded add-on does in one operator run, timed inside the
# script: build a scene through bpy.data and bpy.ops, keyframe it and step
# through frames, compute in a thread pool (pure Python, no bpy) and write
# the results back from the main thread, and hand work through a queue to a
# worker thread that reads bpy under a lock.  About 60,000 RNA accesses, a
# few hundred lock operations, 40 frame changes.
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import bpy

t0 = time.perf_counter()
scene = bpy.context.scene
mesh = bpy.data.meshes.new("bench_mesh")
objs = []
for i in range(300):
    ob = bpy.data.objects.new("bench_%03d" % i, mesh)
    scene.collection.objects.link(ob)
    ob.location = (i % 17, i // 17, 0.0)
    ob.rotation_euler.z = i * 0.01
    ob["weight"] = i
    objs.append(ob)
for i in range(5):
    bpy.ops.mesh.primitive_cube_add(location=(0, 0, i))
for f in (1, 20, 40):
    scene.frame_set(f)
    for ob in objs[:50]:
        ob.location.z = f * 0.1
        ob.keyframe_insert("location", frame=f)
for f in range(1, 41):
    scene.frame_set(f)
    _ = sum(ob.location.z for ob in objs[:20])


def shade(k):   # pure Python work in the pool
    return [((k * 31 + j) % 255) / 255.0 for j in range(4000)]


with ThreadPoolExecutor(max_workers=4) as pool:
    tiles = list(pool.map(shade, range(16)))
img = bpy.data.images.new("bench_img", 160, 100)
flat = [v for t in tiles for v in t]
img.pixels.foreach_set(flat[:160 * 100 * 4])

lock = threading.Lock()
jobs = queue.Queue()
done = []


def worker():
    while True:
        ob = jobs.get()
        if ob is None:
            return
        with lock:
            done.append(ob.location.x + ob["weight"])


th = threading.Thread(target=worker)
th.start()
for ob in objs:
    with lock:
        ob.scale = (1.0, 1.0, 1.0 + ob["weight"] * 0.001)
    jobs.put(ob)
jobs.put(None)
th.join()
for _ in range(20):
    for ob in objs:
        ob.hide_render = not ob.hide_render
        _ = ob.name, ob.location.x, ob.data.name
print(f"typical_addon: objects={len(objs)} done={len(done)} script_seconds={time.perf_counter() - t0:.4f}")
