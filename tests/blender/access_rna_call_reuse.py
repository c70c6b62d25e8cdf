# A bpy_func freed after a collection call is often reallocated at the same
# address for the next function: mesh.update() after objects.new() must stay
# an ID-level call, not a write of bpy.data.objects.  Collection functions
# kept in variables still write their collection.
import bpy

mesh = bpy.data.meshes["Cube"]
o = bpy.data.objects.new("X", None)
mesh.update()
mesh.update()
new, remove = bpy.data.objects.new, bpy.data.objects.remove
o2 = new("Y", None)
remove(o2)

# EXPECT: read bpy.data.meshes tid=T1 gil=true line=7
# EXPECT: read bpy.data.meshes tid=T1 gil=true line=7
# EXPECT: read bpy.data.objects tid=T1 gil=true line=8
# EXPECT: write bpy.data.objects tid=T1 gil=true line=8
# EXPECT: call id Mesh.update bpy.data.meshes["Cube"] tid=T1 gil=true line=9
# EXPECT: call id Mesh.update bpy.data.meshes["Cube"] tid=T1 gil=true line=10
# EXPECT: read bpy.data.objects tid=T1 gil=true line=11
# EXPECT: read bpy.data.objects tid=T1 gil=true line=11
# EXPECT: write bpy.data.objects tid=T1 gil=true line=12
# EXPECT: write bpy.data.objects tid=T1 gil=true line=13
# EXPECT: call id BlendDataObjects.remove bpy.data.objects["Y"] tid=T1 gil=true line=13
