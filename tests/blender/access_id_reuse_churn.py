# Variables of removed IDs are dropped when the variable table is made
# again (it follows the variables in use, not every one the session made):
# after 20,000 helper objects made, touched and removed (the filler, whose
# events are not the script's), an object from before still has its
# variable, and a removed ID's variables are still forgotten.
import bpy

objs = bpy.data.objects
kept = objs.new("Kept", None)
kept.location.x = 1.0
exec(compile("""
for i in range(20000):
    o = objs.new("helper", None)
    o.location.x = o.scale.y
    objs.remove(o)
""", "<filler>", "exec"))
kept.location.x = 2.0
a = objs.new("First", None)
a.location.x = 3.0
objs.remove(a)
b = objs.new("Second", None)
b.location.x = 4.0

# EXPECT: read bpy.data.objects tid=T1 gil=true line=8
# EXPECT: write bpy.data.objects tid=T1 gil=true line=9
# EXPECT: read bpy.data.objects["Kept"].location tid=T1 gil=true line=10
# EXPECT: write bpy.data.objects["Kept"].location index=0 tid=T1 gil=true line=10
# EXPECT: read bpy.data.objects["Kept"].location tid=T1 gil=true line=17
# EXPECT: write bpy.data.objects["Kept"].location index=0 tid=T1 gil=true line=17
# EXPECT: write bpy.data.objects tid=T1 gil=true line=18
# EXPECT: read bpy.data.objects["First"].location tid=T1 gil=true line=19
# EXPECT: write bpy.data.objects["First"].location index=0 tid=T1 gil=true line=19
# EXPECT: write bpy.data.objects tid=T1 gil=true line=20
# EXPECT: call id BlendDataObjects.remove bpy.data.objects["First"] tid=T1 gil=true line=20
# EXPECT: write bpy.data.objects tid=T1 gil=true line=21
# EXPECT: read bpy.data.objects["Second"].location tid=T1 gil=true line=22
# EXPECT: write bpy.data.objects["Second"].location index=0 tid=T1 gil=true line=22
