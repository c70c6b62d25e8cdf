# More forms: collection get/find/keys/values/items, ID property pop/keys, keyframe_insert,
# whole-array assignment, a nested struct's property
import bpy

objs = bpy.data.objects
c = objs.get("Cube")
i = objs.find("Cube")
k = objs.keys()
v = objs.values()
it = objs.items()
c["p"] = 2.0
p = c.pop("p")
c.location = (1.0, 2.0, 3.0)
c.keyframe_insert("location", frame=1)
r = c.rotation_euler[2]
m = c.data.vertices[0].co.x

# EXPECT: read bpy.data.objects tid=T1 gil=true line=5
# EXPECT: read bpy.data.objects tid=T1 gil=true line=6
# EXPECT: read bpy.data.objects tid=T1 gil=true line=7
# EXPECT: read bpy.data.objects tid=T1 gil=true line=8
# EXPECT: read bpy.data.objects tid=T1 gil=true line=9
# EXPECT: read bpy.data.objects tid=T1 gil=true line=10
# EXPECT: write bpy.data.objects["Cube"]["p"] tid=T1 gil=true line=11
# EXPECT: write bpy.data.objects["Cube"]["p"] tid=T1 gil=true line=12
# EXPECT: write bpy.data.objects["Cube"].location tid=T1 gil=true line=13
# EXPECT: call id keyframe_insert bpy.data.objects["Cube"] tid=T1 gil=true line=14
# EXPECT: read bpy.data.objects["Cube"].rotation_euler tid=T1 gil=true line=15
# EXPECT: read bpy.data.objects["Cube"].rotation_euler index=2 tid=T1 gil=true line=15
# EXPECT: read bpy.data.objects["Cube"].data tid=T1 gil=true line=16
# EXPECT: read bpy.data.meshes["Cube"].vertices tid=T1 gil=true line=16
# EXPECT: read bpy.data.meshes["Cube"].vertices index=0 tid=T1 gil=true line=16
# EXPECT: read bpy.data.meshes["Cube"].vertices[0].co tid=T1 gil=true line=16
# EXPECT: read bpy.data.meshes["Cube"].vertices[0].co index=0 tid=T1 gil=true line=16
