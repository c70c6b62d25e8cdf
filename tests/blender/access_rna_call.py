# RNA function calls: ID-level call, collection new/link/remove
import bpy

mesh = bpy.data.meshes["Cube"]
n = mesh.name
mesh.update()
objs = bpy.data.objects
new = objs.new("New", mesh)
coll = bpy.context.scene.collection
coll.objects.link(new)
objs.remove(new)

# EXPECT: read bpy.data.meshes tid=T1 gil=true line=4
# EXPECT: read bpy.data.meshes tid=T1 gil=true line=4
# EXPECT: read bpy.data.meshes["Cube"].name tid=T1 gil=true line=5
# EXPECT: call id Mesh.update bpy.data.meshes["Cube"] tid=T1 gil=true line=6
# EXPECT: read bpy.data.objects tid=T1 gil=true line=7
# EXPECT: write bpy.data.objects tid=T1 gil=true line=8
# EXPECT: read bpy.context.scene tid=T1 gil=true line=9
# EXPECT: read bpy.data.scenes["Scene"].collection tid=T1 gil=true line=9
# EXPECT: read bpy.data.scenes["Scene"].collection.objects tid=T1 gil=true line=10
# EXPECT: write bpy.data.scenes["Scene"].collection.objects tid=T1 gil=true line=10
# EXPECT: write bpy.data.objects tid=T1 gil=true line=11
# EXPECT: call id BlendDataObjects.remove bpy.data.objects["New"] tid=T1 gil=true line=11
