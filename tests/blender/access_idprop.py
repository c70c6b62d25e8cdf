# ID properties: obj["k"] set/get/del/in/get(); a key named like an attribute
import bpy

obj = bpy.data.objects["Cube"]
obj["k"] = 1
v = obj["k"]
has = "k" in obj
g = obj.get("k")
del obj["k"]
x = obj.location                 # the attribute, then a key of the same name
obj["location"] = 2.0
y = obj["location"]
z = obj["".join(["loc", "ation"])]   # an equal key, another object
del obj["location"]

# EXPECT: read bpy.data.objects tid=T1 gil=true line=4
# EXPECT: read bpy.data.objects tid=T1 gil=true line=4
# EXPECT: write bpy.data.objects["Cube"]["k"] tid=T1 gil=true line=5
# EXPECT: read bpy.data.objects["Cube"]["k"] tid=T1 gil=true line=6
# EXPECT: read bpy.data.objects["Cube"]["k"] tid=T1 gil=true line=7
# EXPECT: read bpy.data.objects["Cube"]["k"] tid=T1 gil=true line=8
# EXPECT: write bpy.data.objects["Cube"]["k"] tid=T1 gil=true line=9
# EXPECT: read bpy.data.objects["Cube"].location tid=T1 gil=true line=10
# EXPECT: write bpy.data.objects["Cube"]["location"] tid=T1 gil=true line=11
# EXPECT: read bpy.data.objects["Cube"]["location"] tid=T1 gil=true line=12
# EXPECT: read bpy.data.objects["Cube"]["location"] tid=T1 gil=true line=13
# EXPECT: write bpy.data.objects["Cube"]["location"] tid=T1 gil=true line=14
