# mathutils wrappers are recorded as their owning RNA property
import bpy
from mathutils import Vector

obj = bpy.data.objects["Cube"]
obj.location.x = 1.0
obj.location += Vector((1.0, 2.0, 3.0))
obj.matrix_world[0][3] = 1.0
y = obj.location[1]

# EXPECT: read bpy.data.objects tid=T1 gil=true line=5
# EXPECT: read bpy.data.objects tid=T1 gil=true line=5
# EXPECT: read bpy.data.objects["Cube"].location tid=T1 gil=true line=6
# EXPECT: write bpy.data.objects["Cube"].location index=0 tid=T1 gil=true line=6
# EXPECT: read bpy.data.objects["Cube"].location tid=T1 gil=true line=7
# EXPECT: read bpy.data.objects["Cube"].location tid=T1 gil=true line=7
# EXPECT: write bpy.data.objects["Cube"].location tid=T1 gil=true line=7
# EXPECT: read bpy.data.objects["Cube"].location index=0 tid=T1 gil=true line=7
# EXPECT: read bpy.data.objects["Cube"].location index=1 tid=T1 gil=true line=7
# EXPECT: read bpy.data.objects["Cube"].location index=2 tid=T1 gil=true line=7
# EXPECT: read bpy.data.objects["Cube"].location index=0 tid=T1 gil=true line=7
# EXPECT: read bpy.data.objects["Cube"].location index=1 tid=T1 gil=true line=7
# EXPECT: read bpy.data.objects["Cube"].location index=2 tid=T1 gil=true line=7
# EXPECT: write bpy.data.objects["Cube"].location tid=T1 gil=true line=7
# EXPECT: read bpy.data.objects["Cube"].matrix_world tid=T1 gil=true line=8
# EXPECT: read bpy.data.objects["Cube"].matrix_world tid=T1 gil=true line=8
# EXPECT: read bpy.data.objects["Cube"].matrix_world tid=T1 gil=true line=8
# EXPECT: write bpy.data.objects["Cube"].matrix_world tid=T1 gil=true line=8
# EXPECT: read bpy.data.objects["Cube"].location tid=T1 gil=true line=9
# EXPECT: read bpy.data.objects["Cube"].location index=1 tid=T1 gil=true line=9
