# An element read or written through a wrapper is recorded on the wrapper's
# own property, whatever attribute was read last: another object's, or
# another attribute of the same object (the shim remembers the last one)
import bpy

a = bpy.data.objects["Cube"]
b = bpy.data.objects["Camera"]
va = a.location
vb = b.location
va.x = 2.0
s = a.scale
l = a.location
s.y = 1.5
z = vb.z
a.rotation_euler.z = 0.5

# EXPECT: read bpy.data.objects tid=T1 gil=true line=6
# EXPECT: read bpy.data.objects tid=T1 gil=true line=6
# EXPECT: read bpy.data.objects tid=T1 gil=true line=7
# EXPECT: read bpy.data.objects tid=T1 gil=true line=7
# EXPECT: read bpy.data.objects["Cube"].location tid=T1 gil=true line=8
# EXPECT: read bpy.data.objects["Camera"].location tid=T1 gil=true line=9
# EXPECT: write bpy.data.objects["Cube"].location index=0 tid=T1 gil=true line=10
# EXPECT: read bpy.data.objects["Cube"].scale tid=T1 gil=true line=11
# EXPECT: read bpy.data.objects["Cube"].location tid=T1 gil=true line=12
# EXPECT: write bpy.data.objects["Cube"].scale index=1 tid=T1 gil=true line=13
# EXPECT: read bpy.data.objects["Camera"].location index=2 tid=T1 gil=true line=14
# EXPECT: read bpy.data.objects["Cube"].rotation_euler tid=T1 gil=true line=15
# EXPECT: write bpy.data.objects["Cube"].rotation_euler index=2 tid=T1 gil=true line=15
