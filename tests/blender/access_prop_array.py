# bpy_prop_array from path_resolve(..., False): element get/set and slices
import bpy

obj = bpy.data.objects["Cube"]
arr = obj.path_resolve("location", False)
a = arr[1]
arr[2] = 5.0
s = arr[0:2]
arr[0:2] = (7.0, 8.0)

# EXPECT: read bpy.data.objects tid=T1 gil=true line=4
# EXPECT: read bpy.data.objects tid=T1 gil=true line=4
# EXPECT: read bpy.data.objects["Cube"].location index=1 tid=T1 gil=true line=6
# EXPECT: write bpy.data.objects["Cube"].location index=2 tid=T1 gil=true line=7
# EXPECT: read bpy.data.objects["Cube"].location tid=T1 gil=true line=8
# EXPECT: write bpy.data.objects["Cube"].location tid=T1 gil=true line=9
