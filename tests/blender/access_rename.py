# A struct's path is reused for its next variables until a rename, an RNA
# function or an operator may have changed it: a variable first touched
# after a rename is named by the new name, its earlier ones keep theirs.
import bpy

ob = bpy.data.objects.new("Before", None)
ob.location.x = 1.0
ob.name = "After"
ob.scale.x = 2.0
ob.location.x = 3.0
md = bpy.data.objects.new("Owner", bpy.data.meshes.new("OwnerMesh")).modifiers.new("M1", 'SUBSURF')
md.levels = 1
md.name = "M2"
md.show_viewport = False

# EXPECT: read bpy.data.objects tid=T1 gil=true line=6
# EXPECT: write bpy.data.objects tid=T1 gil=true line=6
# EXPECT: read bpy.data.objects["Before"].location tid=T1 gil=true line=7
# EXPECT: write bpy.data.objects["Before"].location index=0 tid=T1 gil=true line=7
# EXPECT: write bpy.data.objects["After"].name tid=T1 gil=true line=8
# EXPECT: read bpy.data.objects["After"].scale tid=T1 gil=true line=9
# EXPECT: write bpy.data.objects["After"].scale index=0 tid=T1 gil=true line=9
# EXPECT: read bpy.data.objects["Before"].location tid=T1 gil=true line=10
# EXPECT: write bpy.data.objects["Before"].location index=0 tid=T1 gil=true line=10
# EXPECT: read bpy.data.objects tid=T1 gil=true line=11
# EXPECT: read bpy.data.meshes tid=T1 gil=true line=11
# EXPECT: write bpy.data.meshes tid=T1 gil=true line=11
# EXPECT: write bpy.data.objects tid=T1 gil=true line=11
# EXPECT: read bpy.data.objects["Owner"].modifiers tid=T1 gil=true line=11
# EXPECT: write bpy.data.objects["Owner"].modifiers tid=T1 gil=true line=11
# EXPECT: write bpy.data.objects["Owner"].modifiers["M1"].levels tid=T1 gil=true line=12
# EXPECT: write bpy.data.objects["Owner"].modifiers["M2"].name tid=T1 gil=true line=13
# EXPECT: write bpy.data.objects["Owner"].modifiers["M2"].show_viewport tid=T1 gil=true line=14
