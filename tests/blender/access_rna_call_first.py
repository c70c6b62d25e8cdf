# An RNA function call that is the first touch of its ID (no property of it
# read before): the call is still named by the ID's bpy.data path.
import bpy

mesh = bpy.data.meshes["Cube"]
mesh.update()
bpy.context.scene.frame_set(2)

# EXPECT: read bpy.data.meshes tid=T1 gil=true line=5
# EXPECT: read bpy.data.meshes tid=T1 gil=true line=5
# EXPECT: call id Mesh.update bpy.data.meshes["Cube"] tid=T1 gil=true line=6
# EXPECT: read bpy.context.scene tid=T1 gil=true line=7
# EXPECT: call id Scene.frame_set bpy.data.scenes["Scene"] tid=T1 gil=true line=7
