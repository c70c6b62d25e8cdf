# Only the main thread changes Blender's registries, before, between and after
# scene.frame_set() (native windows of its own thread); a worker computes
# without touching bpy.  Clean.
import bpy, threading

class MainOnlyProbe(bpy.types.PropertyGroup):
    pass

owner = object()
key = (bpy.types.Object, "location")
result = []

def tick():
    return None

def work():
    result.append(sum(i * i for i in range(200000)))

t = threading.Thread(target=work)
t.start()
bpy.app.timers.register(tick, first_interval=60.0)
bpy.context.scene.frame_set(2)
assert bpy.app.timers.is_registered(tick)
bpy.app.timers.unregister(tick)
bpy.utils.register_class(MainOnlyProbe)
bpy.context.scene.frame_set(3)
bpy.utils.unregister_class(MainOnlyProbe)
bpy.msgbus.subscribe_rna(key=key, owner=owner, args=(), notify=lambda: None)
bpy.msgbus.publish_rna(key=key)
bpy.msgbus.clear_by_owner(owner)
t.join()
print("SCRIPT DONE")
# RACES: none
