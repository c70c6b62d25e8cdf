# Workload of check_heap.py: 12,000 variables recorded for the first time
# (2,000 objects, six properties each), each with a path of 30 to 50
# characters that the recorder interns.
import bpy

mesh = bpy.data.meshes.new("heap_mesh")
for i in range(2000):
    ob = bpy.data.objects.new("heap_object_%04d" % i, mesh)
    ob.location = (i, 0.0, 0.0)
    ob.scale = (1.0, 1.0, 1.0)
    ob.hide_render = True
    ob["weight"] = i
    _ = ob.name, ob.rotation_mode
print("heap_vars: objects=%d" % len(bpy.data.objects))
