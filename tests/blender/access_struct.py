# Struct attribute get/set: obj.hide_render
import bpy

objs = bpy.data.objects
obj = objs["Cube"]
v = obj.hide_render
obj.hide_render = not v
name = obj.name

# EXPECT: read bpy.data.objects tid=T1 gil=true line=4
# EXPECT: read bpy.data.objects tid=T1 gil=true line=5
# EXPECT: read bpy.data.objects["Cube"].hide_render tid=T1 gil=true line=6
# EXPECT: write bpy.data.objects["Cube"].hide_render tid=T1 gil=true line=7
# EXPECT: read bpy.data.objects["Cube"].name tid=T1 gil=true line=8
