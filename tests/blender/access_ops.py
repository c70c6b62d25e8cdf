# bpy.ops call: a global coarse write
import bpy

bpy.ops.object.select_all(action='DESELECT')

# EXPECT: call global bpy.ops.object.select_all tid=T1 gil=true line=4
