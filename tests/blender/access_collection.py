# bpy_prop_collection: item access, iteration, len, `in`
import bpy

objs = bpy.data.objects
cube = objs["Cube"]
first = objs[0]
for o in objs:
    pass
n = len(objs)
has = "Cube" in objs

# EXPECT: read bpy.data.objects tid=T1 gil=true line=4
# EXPECT: read bpy.data.objects tid=T1 gil=true line=5
# EXPECT: read bpy.data.objects index=0 tid=T1 gil=true line=6
# EXPECT: read bpy.data.objects tid=T1 gil=true line=7
# EXPECT: read bpy.data.objects tid=T1 gil=true line=9
# EXPECT: read bpy.data.objects tid=T1 gil=true line=10
