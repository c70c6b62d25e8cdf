# scene.frame_set() on the main thread: Blender releases the GIL around its native
# frame change (a host gil_release, then a host gil_acquire on T1), between the
# script's accesses before and after it.  The window's site is the frame_set
# call: its line and the RNA function that released the GIL.
# EVENTS: gil_release gil_acquire
import bpy

scene = bpy.context.scene
obj = bpy.data.objects["Cube"]
x = obj.location.x
f = scene.frame_current
scene.frame_set(5)
obj.location.x = 2.0

# EXPECT: read bpy.context.scene tid=T1 gil=true line=8
# EXPECT: read bpy.data.objects tid=T1 gil=true line=9
# EXPECT: read bpy.data.objects tid=T1 gil=true line=9
# EXPECT: read bpy.data.objects["Cube"].location tid=T1 gil=true line=10
# EXPECT: read bpy.data.objects["Cube"].location index=0 tid=T1 gil=true line=10
# EXPECT: read bpy.data.scenes["Scene"].frame_current tid=T1 gil=true line=11
# EXPECT: call id Scene.frame_set bpy.data.scenes["Scene"] tid=T1 gil=true line=12
# EXPECT: gil_release host tid=T1 call=Scene.frame_set line=12
# EXPECT: gil_acquire host tid=T1
# EXPECT: read bpy.data.objects["Cube"].location tid=T1 gil=true line=13
# EXPECT: write bpy.data.objects["Cube"].location index=0 tid=T1 gil=true line=13
