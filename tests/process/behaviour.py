# Prints what a range of bpy accesses return or raise; run with and without
# bpyrace, the two outputs must be identical (tests/process/behaviour_same.sh).
import bpy
from mathutils import Vector

cube = bpy.data.objects["Cube"]
mesh = bpy.data.meshes["Cube"]


def attempt(label, fn):
    try:
        print(label, "->", repr(fn()))
    except Exception as e:   # the exact exception type and message must match
        print(label, "raises", type(e).__name__, str(e))


attempt("missing attribute", lambda: cube.no_such_property)
attempt("bad type", lambda: setattr(cube, "location", "xyz"))
attempt("bad enum", lambda: setattr(cube, "rotation_mode", "NOPE"))
attempt("read only", lambda: setattr(cube, "type", "MESH"))
attempt("missing key", lambda: cube["missing"])
attempt("del missing key", lambda: cube.__delitem__("missing"))
attempt("bad index", lambda: cube.location[7])
attempt("bad collection key", lambda: bpy.data.objects["Nope"])
attempt("collection get default", lambda: bpy.data.objects.get("Nope", 42))
attempt("location", lambda: tuple(cube.location))
attempt("location +=", lambda: (setattr(cube, "location", cube.location + Vector((1, 2, 3))), tuple(cube.location))[1])
attempt("matrix row", lambda: tuple(cube.matrix_world[0]))
attempt("idprop set/get", lambda: (cube.__setitem__("k", [1, 2]), cube["k"].to_list())[1])
attempt("idprop in", lambda: ("k" in cube, "zz" in cube))
attempt("len vertices", lambda: len(mesh.vertices))
attempt("foreach_get", lambda: (lambda buf: (mesh.vertices.foreach_get("co", buf), buf[:3])[1])([0.0] * (3 * len(mesh.vertices))))
attempt("foreach_set bad", lambda: mesh.vertices.foreach_set("co", [1.0]))
attempt("rna call", lambda: mesh.update())
attempt("rna call bad args", lambda: mesh.update(1, 2, 3, 4, 5))
attempt("new + remove", lambda: bpy.data.objects.remove(bpy.data.objects.new("Tmp", None)))
attempt("operator bad context", lambda: bpy.ops.object.mode_set(mode='EDIT'))
attempt("operator", lambda: bpy.ops.object.select_all(action='DESELECT'))
attempt("path_resolve", lambda: tuple(cube.path_resolve("scale")))
attempt("path_resolve bad", lambda: cube.path_resolve("nope"))
attempt("keyframe_insert", lambda: cube.keyframe_insert("location", frame=3))
attempt("keyframe_insert bad", lambda: cube.keyframe_insert("nope"))
print("behaviour: done")
