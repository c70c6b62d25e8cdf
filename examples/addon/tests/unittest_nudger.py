"""The same suite in unittest style, run inside Blender by run_unittest.py."""
import unittest

import bpy

import object_nudger


def fresh_object(name):
    mesh = bpy.data.meshes.new(name)
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    return obj


class NudgerTest(unittest.TestCase):
    def test_nudge_racy(self):
        obj = fresh_object("Racy")
        x = object_nudger.nudge_parallel(obj, jobs=16)
        self.assertTrue(0 < x <= 16)

    def test_nudge_locked(self):
        obj = fresh_object("Locked")
        self.assertEqual(object_nudger.nudge_parallel_locked(obj, workers=4, steps=200), 800)

    def test_vertex_count(self):
        self.assertEqual(object_nudger.vertex_count([bpy.data.objects["Cube"]]), 8)


if __name__ == "__main__":
    unittest.main()
