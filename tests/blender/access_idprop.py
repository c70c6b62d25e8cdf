# ID properties: obj["k"] set/get/del/in/get()
import bpy

obj = bpy.data.objects["Cube"]
obj["k"] = 1
v = obj["k"]
has = "k" in obj
g = obj.get("k")
del obj["k"]

# EXPECT: read bpy.data.objects tid=T1 gil=true line=4
# EXPECT: read bpy.data.objects tid=T1 gil=true line=4
# EXPECT: write bpy.data.objects["Cube"]["k"] tid=T1 gil=true line=5
# EXPECT: read bpy.data.objects["Cube"]["k"] tid=T1 gil=true line=6
# EXPECT: read bpy.data.objects["Cube"]["k"] tid=T1 gil=true line=7
# EXPECT: read bpy.data.objects["Cube"]["k"] tid=T1 gil=true line=8
# EXPECT: write bpy.data.objects["Cube"]["k"] tid=T1 gil=true line=9
