# The recorder's own cost, timed in one process: the same code runs recorded
# and not recorded in turns (_bpyrace.bench_pause, present when
# BPYRACE_BENCH_PAUSE=1), a few milliseconds each, and each recorded block is
# compared with the unrecorded block beside it.  A VM whose speed moves by
# tens of percent from one second to the next (docs/performance.md) moves
# both blocks of a pair alike, so the ratio holds where whole-run ratios
# against plain Blender do not.  What it leaves out: the cost of the hooks
# being installed at all (the unrecorded blocks run them) and of start-up.
# Run by bench/recording_cost.sh under the shim.
import statistics
import time

import bpy
import _bpyrace

PAIRS = {"loop": 200, "rna": 200, "first": 40, "context": 120}
scene = bpy.context.scene
mesh = bpy.data.meshes.new("cost_mesh")
made = [0]


def make(n):
    """N new objects, as typical_addon.py builds them (recorded)."""
    objs = []
    for _ in range(n):
        i = made[0]
        made[0] += 1
        ob = bpy.data.objects.new("cost_%05d" % i, mesh)
        scene.collection.objects.link(ob)
        ob.location = (i % 17, i // 17, 0.0)
        ob["weight"] = i
        objs.append(ob)
    return objs


objs = make(300)
cube = bpy.data.objects.new("cost_cube", mesh)


def loop():
    """typical_addon.py's final loop, two passes: 7 accesses an object
    (hide_render read and write, name, location and its x, data and its
    name), every variable defined already."""
    for _ in range(2):
        for ob in objs:
            ob.hide_render = not ob.hide_render
            _ = ob.name, ob.location.x, ob.data.name


def rna():
    """rna_heavy.py's loop: 2,000 accesses of one property."""
    for _ in range(1000):
        v = cube.pass_index
        cube.pass_index = (v + 1) & 0xFFFF


def first(fresh):
    """A first pass over 50 new objects: 10 accesses an object, 4 of them
    new variables (hide_render, name, data, scale)."""
    for ob in fresh:
        ob.hide_render = not ob.hide_render
        _ = ob.name, ob.location.x, ob.data.name
        ob.scale = (1.0, 1.0, 1.0 + ob["weight"] * 0.001)


def pairs(name, run, setup=lambda: None):
    """Median ratio recorded/not recorded and median extra seconds a block,
    over PAIRS[name] pairs (which of a pair runs first alternates)."""
    on, off = [], []
    for k in range(PAIRS[name]):
        for recorded in ((True, False) if k % 2 else (False, True)):
            arg = setup()
            _bpyrace.bench_pause(not recorded)
            t0 = time.perf_counter()
            run(arg) if arg is not None else run()
            t = time.perf_counter() - t0
            _bpyrace.bench_pause(False)
            (on if recorded else off).append(t)
    ratio = statistics.median(a / b for a, b in zip(on, off))
    extra = statistics.median(a - b for a, b in zip(on, off))
    return ratio, extra, statistics.median(off)


for _ in range(5):   # warm: every variable, stack and memo entry made
    loop()
    rna()
r, e, base = pairs("loop", loop)
print("cost loop ratio=%.4f ns_per_access=%.1f plain_ms=%.3f" % (r, e / (2 * 300 * 7) * 1e9, base * 1e3))
r, e, base = pairs("rna", rna)
print("cost rna ratio=%.4f ns_per_access=%.1f plain_ms=%.3f" % (r, e / 2000 * 1e9, base * 1e3))
r, e, base = pairs("first", first, lambda: make(50))
print("cost first ratio=%.4f us_per_object=%.3f plain_ms=%.3f" % (r, e / 50 * 1e6, base * 1e3))

# The same loop in typical_addon.py's context: once the scene has been
# evaluated at frames (its keyframes, then frame_set), each hide_render write
# costs Blender several times more, whose work evicts the recorder's tables
# between two objects.  The objects `first` made are removed first: a scene
# of thousands of objects makes every write slower still.
bpy.data.batch_remove([ob for ob in bpy.data.objects if ob not in objs])
for f in (1, 20, 40):
    scene.frame_set(f)
    for ob in objs[:50]:
        ob.location.z = f * 0.1
        ob.keyframe_insert("location", frame=f)
for f in range(1, 41):
    scene.frame_set(f)
for _ in range(2):
    loop()
r, e, base = pairs("context", loop)
print("cost context ratio=%.4f ns_per_access=%.1f plain_ms=%.3f" % (r, e / (2 * 300 * 7) * 1e9, base * 1e3))
