# A removed ID's variables are forgotten even when the session has made so
# many variables since that the variable table has grown (and its per-ID
# chains were made again): the ID created afterwards (Blender may allocate it
# where the removed one was) is named by its own name.  The filler's events
# are not the script's (their file is "<filler>").
import bpy

objs = bpy.data.objects
a = objs.new("First", None)
a.location.x = 1.0
exec(compile("""
for i in range(5000):
    o = objs.new("filler", None)
    o.location.x = o.scale.y
""", "<filler>", "exec"))
objs.remove(a)
b = objs.new("Second", None)
b.location.x = 2.0
c = objs["filler"]
objs.remove(c)
d = objs.new("Third", None)
d.location.x = 3.0

# EXPECT: read bpy.data.objects tid=T1 gil=true line=8
# EXPECT: write bpy.data.objects tid=T1 gil=true line=9
# EXPECT: read bpy.data.objects["First"].location tid=T1 gil=true line=10
# EXPECT: write bpy.data.objects["First"].location index=0 tid=T1 gil=true line=10
# EXPECT: write bpy.data.objects tid=T1 gil=true line=16
# EXPECT: call id BlendDataObjects.remove bpy.data.objects["First"] tid=T1 gil=true line=16
# EXPECT: write bpy.data.objects tid=T1 gil=true line=17
# EXPECT: read bpy.data.objects["Second"].location tid=T1 gil=true line=18
# EXPECT: write bpy.data.objects["Second"].location index=0 tid=T1 gil=true line=18
# EXPECT: read bpy.data.objects tid=T1 gil=true line=19
# EXPECT: write bpy.data.objects tid=T1 gil=true line=20
# EXPECT: call id BlendDataObjects.remove bpy.data.objects["filler"] tid=T1 gil=true line=20
# EXPECT: write bpy.data.objects tid=T1 gil=true line=21
# EXPECT: read bpy.data.objects["Third"].location tid=T1 gil=true line=22
# EXPECT: write bpy.data.objects["Third"].location index=0 tid=T1 gil=true line=22
