# A removed ID's variables are forgotten: an ID created afterwards (Blender
# may allocate it where the removed one was) is named by its own name.
import bpy

objs = bpy.data.objects
a = objs.new("First", None)
a.location.x = 1.0
objs.remove(a)
b = objs.new("Second", None)
b.location.x = 2.0

# EXPECT: read bpy.data.objects tid=T1 gil=true line=5
# EXPECT: write bpy.data.objects tid=T1 gil=true line=6
# EXPECT: read bpy.data.objects["First"].location tid=T1 gil=true line=7
# EXPECT: write bpy.data.objects["First"].location index=0 tid=T1 gil=true line=7
# EXPECT: write bpy.data.objects tid=T1 gil=true line=8
# EXPECT: call id BlendDataObjects.remove bpy.data.objects["First"] tid=T1 gil=true line=8
# EXPECT: write bpy.data.objects tid=T1 gil=true line=9
# EXPECT: read bpy.data.objects["Second"].location tid=T1 gil=true line=10
# EXPECT: write bpy.data.objects["Second"].location index=0 tid=T1 gil=true line=10
