# bpy.ops call: a global coarse write.  The accesses Blender's wrapper
# (bpy/ops.py, up to 4.x) makes around it, its view-layer updates included,
# are the call's: they carry the caller's line.  Blender 5 calls operators
# without that wrapper.
import bpy

bpy.ops.object.select_all(action='DESELECT')

# EXPECT(blender<5): read bpy.context.window_manager tid=T1 gil=true line=7
# EXPECT(blender<5): read bpy.context.view_layer tid=T1 gil=true line=7
# EXPECT(blender<5): call id ViewLayer.update bpy.data.scenes["Scene"] tid=T1 gil=true line=7
# EXPECT: call global bpy.ops.object.select_all tid=T1 gil=true line=7
# EXPECT(blender<5): read bpy.context.window_manager tid=T1 gil=true line=7
# EXPECT(blender<5): read bpy.context.view_layer tid=T1 gil=true line=7
# EXPECT(blender<5): call id ViewLayer.update bpy.data.scenes["Scene"] tid=T1 gil=true line=7
