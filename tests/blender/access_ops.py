# bpy.ops call: a global coarse write.  The accesses Blender's wrapper
# (bpy/ops.py) makes around it, its view-layer updates included, are the
# call's: they carry the caller's line.
import bpy

bpy.ops.object.select_all(action='DESELECT')

# EXPECT: read bpy.context.window_manager tid=T1 gil=true line=6
# EXPECT: read bpy.context.view_layer tid=T1 gil=true line=6
# EXPECT: call id ViewLayer.update bpy.data.scenes["Scene"] tid=T1 gil=true line=6
# EXPECT: call global bpy.ops.object.select_all tid=T1 gil=true line=6
# EXPECT: read bpy.context.window_manager tid=T1 gil=true line=6
# EXPECT: read bpy.context.view_layer tid=T1 gil=true line=6
# EXPECT: call id ViewLayer.update bpy.data.scenes["Scene"] tid=T1 gil=true line=6
