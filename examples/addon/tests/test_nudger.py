"""pytest suite of the example add-on, run inside Blender by run_tests.py."""
import bpy

import object_nudger


def fresh_object(name):
    mesh = bpy.data.meshes.new(name)
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    return obj


def test_nudge_racy():
    # Passes on its own (the GIL makes lost updates rare), but it races.
    obj = fresh_object("Racy")
    x = object_nudger.nudge_parallel(obj, jobs=16)
    assert 0 < x <= 16


def test_nudge_locked():
    obj = fresh_object("Locked")
    assert object_nudger.nudge_parallel_locked(obj, workers=4, steps=200) == 800


def test_vertex_count():
    assert object_nudger.vertex_count([bpy.data.objects["Cube"]]) == 8
