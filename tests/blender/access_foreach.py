# foreach_get / foreach_set on mesh.vertices ("co") and on image pixels
import bpy

mesh = bpy.data.meshes["Cube"]
verts = mesh.vertices
co = [0.0] * (len(verts) * 3)
verts.foreach_get("co", co)
verts.foreach_set("co", co)
img = bpy.data.images.new("img", 2, 2)
px = [0.0] * (2 * 2 * 4)
img.pixels.foreach_get(px)
img.pixels.foreach_set(px)

# EXPECT: read bpy.data.meshes tid=T1 gil=true line=4
# EXPECT: read bpy.data.meshes tid=T1 gil=true line=4
# EXPECT: read bpy.data.meshes["Cube"].vertices tid=T1 gil=true line=5
# EXPECT: read bpy.data.meshes["Cube"].vertices tid=T1 gil=true line=6
# EXPECT: read bpy.data.meshes["Cube"].vertices[0].co index=0 tid=T1 gil=true line=7
# EXPECT: read bpy.data.meshes["Cube"].vertices[1].co index=1 tid=T1 gil=true line=7
# EXPECT: read bpy.data.meshes["Cube"].vertices[2].co index=2 tid=T1 gil=true line=7
# EXPECT: read bpy.data.meshes["Cube"].vertices[3].co index=3 tid=T1 gil=true line=7
# EXPECT: read bpy.data.meshes["Cube"].vertices[4].co index=4 tid=T1 gil=true line=7
# EXPECT: read bpy.data.meshes["Cube"].vertices[5].co index=5 tid=T1 gil=true line=7
# EXPECT: read bpy.data.meshes["Cube"].vertices[6].co index=6 tid=T1 gil=true line=7
# EXPECT: read bpy.data.meshes["Cube"].vertices[7].co index=7 tid=T1 gil=true line=7
# EXPECT: write bpy.data.meshes["Cube"].vertices[0].co index=0 tid=T1 gil=true line=8
# EXPECT: write bpy.data.meshes["Cube"].vertices[1].co index=1 tid=T1 gil=true line=8
# EXPECT: write bpy.data.meshes["Cube"].vertices[2].co index=2 tid=T1 gil=true line=8
# EXPECT: write bpy.data.meshes["Cube"].vertices[3].co index=3 tid=T1 gil=true line=8
# EXPECT: write bpy.data.meshes["Cube"].vertices[4].co index=4 tid=T1 gil=true line=8
# EXPECT: write bpy.data.meshes["Cube"].vertices[5].co index=5 tid=T1 gil=true line=8
# EXPECT: write bpy.data.meshes["Cube"].vertices[6].co index=6 tid=T1 gil=true line=8
# EXPECT: write bpy.data.meshes["Cube"].vertices[7].co index=7 tid=T1 gil=true line=8
# EXPECT: read bpy.data.images tid=T1 gil=true line=9
# EXPECT: write bpy.data.images tid=T1 gil=true line=9
# EXPECT: read bpy.data.images["img"].pixels tid=T1 gil=true line=11
# EXPECT: read bpy.data.images["img"].pixels tid=T1 gil=true line=11
# EXPECT: read bpy.data.images["img"].pixels tid=T1 gil=true line=12
# EXPECT: write bpy.data.images["img"].pixels tid=T1 gil=true line=12
