# IDs named without their repr (an original, local ID listed in bpy.data with
# others, with a plain name) and with it (names Python's repr escapes, an ID
# alone on its list, an evaluated copy, a linked ID): the same names either way.
import os
import tempfile
import bpy

mesh = bpy.data.meshes.new("m")
names = ["plain_1", "plain 2", 'quote"d', "apo'strophe", "back\\slash", "caf\u00e9", "plain_3"]
for n in names:
    bpy.data.objects.new(n, mesh)
for n in names:
    bpy.data.objects[n].pass_index = 1
cam = bpy.data.cameras.new("only_camera")
cam.lens = 40.0
deg = bpy.context.evaluated_depsgraph_get()
ev = bpy.data.objects["Cube"].evaluated_get(deg)
_ = ev.pass_index
path = os.path.join(tempfile.mkdtemp(), "lib.blend")
bpy.data.libraries.write(path, {bpy.data.objects["plain_1"]})
with bpy.data.libraries.load(path, link=True) as (src, dst):
    dst.objects = ["plain_1"]
linked = dst.objects[0]
_ = linked.pass_index

# EXPECT: read bpy.data.meshes tid=T1 gil=true line=8
# EXPECT: write bpy.data.meshes tid=T1 gil=true line=8
# EXPECT: read bpy.data.objects tid=T1 gil=true line=11
# EXPECT: write bpy.data.objects tid=T1 gil=true line=11
# EXPECT: read bpy.data.objects tid=T1 gil=true line=11
# EXPECT: write bpy.data.objects tid=T1 gil=true line=11
# EXPECT: read bpy.data.objects tid=T1 gil=true line=11
# EXPECT: write bpy.data.objects tid=T1 gil=true line=11
# EXPECT: read bpy.data.objects tid=T1 gil=true line=11
# EXPECT: write bpy.data.objects tid=T1 gil=true line=11
# EXPECT: read bpy.data.objects tid=T1 gil=true line=11
# EXPECT: write bpy.data.objects tid=T1 gil=true line=11
# EXPECT: read bpy.data.objects tid=T1 gil=true line=11
# EXPECT: write bpy.data.objects tid=T1 gil=true line=11
# EXPECT: read bpy.data.objects tid=T1 gil=true line=11
# EXPECT: write bpy.data.objects tid=T1 gil=true line=11
# EXPECT: read bpy.data.objects tid=T1 gil=true line=13
# EXPECT: read bpy.data.objects tid=T1 gil=true line=13
# EXPECT: write bpy.data.objects["plain_1"].pass_index tid=T1 gil=true line=13
# EXPECT: read bpy.data.objects tid=T1 gil=true line=13
# EXPECT: read bpy.data.objects tid=T1 gil=true line=13
# EXPECT: write bpy.data.objects["plain 2"].pass_index tid=T1 gil=true line=13
# EXPECT: read bpy.data.objects tid=T1 gil=true line=13
# EXPECT: read bpy.data.objects tid=T1 gil=true line=13
# EXPECT: write bpy.data.objects["quote\"d"].pass_index tid=T1 gil=true line=13
# EXPECT: read bpy.data.objects tid=T1 gil=true line=13
# EXPECT: read bpy.data.objects tid=T1 gil=true line=13
# EXPECT: write bpy.data.objects["apo'strophe"].pass_index tid=T1 gil=true line=13
# EXPECT: read bpy.data.objects tid=T1 gil=true line=13
# EXPECT: read bpy.data.objects tid=T1 gil=true line=13
# EXPECT: write bpy.data.objects["back\slash"].pass_index tid=T1 gil=true line=13
# EXPECT: read bpy.data.objects tid=T1 gil=true line=13
# EXPECT: read bpy.data.objects tid=T1 gil=true line=13
# EXPECT: write bpy.data.objects["café"].pass_index tid=T1 gil=true line=13
# EXPECT: read bpy.data.objects tid=T1 gil=true line=13
# EXPECT: read bpy.data.objects tid=T1 gil=true line=13
# EXPECT: write bpy.data.objects["plain_3"].pass_index tid=T1 gil=true line=13
# EXPECT: read bpy.data.cameras tid=T1 gil=true line=14
# EXPECT: write bpy.data.cameras tid=T1 gil=true line=14
# EXPECT: write bpy.data.cameras["only_camera"].lens tid=T1 gil=true line=15
# EXPECT: call id Context.evaluated_depsgraph_get ? tid=T1 gil=true line=16
# EXPECT: read bpy.data.objects tid=T1 gil=true line=17
# EXPECT: read bpy.data.objects tid=T1 gil=true line=17
# EXPECT: call id Object.evaluated_get bpy.data.objects["Cube"] tid=T1 gil=true line=17
# EXPECT: read Object("Cube").pass_index tid=T1 gil=true line=18
# EXPECT: read bpy.data.libraries tid=T1 gil=true line=20
# EXPECT: read bpy.data.objects tid=T1 gil=true line=20
# EXPECT: read bpy.data.objects tid=T1 gil=true line=20
# EXPECT: read bpy.data.libraries tid=T1 gil=true line=21
# EXPECT: read bpy.data.objects["plain_1"].pass_index tid=T1 gil=true line=24
