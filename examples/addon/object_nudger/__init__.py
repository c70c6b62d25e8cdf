"""A small add-on with a test suite, to show `bpyrace test` (docs/testing.md).

It moves objects from worker threads: nudge_parallel() has a race (the
workers update obj.location with no lock), nudge_parallel_locked() is the
fixed version, and vertex_count() is plain single-threaded code.
"""
import threading
from concurrent.futures import ThreadPoolExecutor

import bpy

bl_info = {
    "name": "Object Nudger (bpyrace example)",
    "author": "bpyrace",
    "version": (0, 1, 0),
    "blender": (3, 4, 0),
    "category": "Object",
    "description": "Moves objects from worker threads; one way is racy",
}


def nudge_parallel(obj, jobs=16, workers=4):
    """Racy: short pool jobs each do obj.location.x += 1 with nothing ordering
    them.  In most runs one worker runs them one after another; they race all
    the same (any two may run at once)."""
    def work(_):
        obj.location.x += 1.0

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(work, range(jobs)))
    return obj.location.x


def nudge_parallel_locked(obj, workers=4, steps=200):
    """The fix: one lock around every update of the object's data."""
    start = threading.Barrier(workers)
    lock = threading.Lock()

    def work(_):
        start.wait()
        for _ in range(steps):
            with lock:
                obj.location.x += 1.0

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(work, range(workers)))
    return obj.location.x


def vertex_count(objects):
    """Plain single-threaded code."""
    return sum(len(o.data.vertices) for o in objects if o.type == 'MESH')


class OBJECT_OT_nudge(bpy.types.Operator):
    bl_idname = "object.nudger_nudge"
    bl_label = "Nudge from threads"

    def execute(self, context):
        nudge_parallel_locked(context.active_object)
        return {'FINISHED'}


def register():
    bpy.utils.register_class(OBJECT_OT_nudge)


def unregister():
    bpy.utils.unregister_class(OBJECT_OT_nudge)
