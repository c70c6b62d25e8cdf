# Two threads change Blender's registries with nothing ordering them but the
# interpreter's thread switches: GIL races on bpy.app.timers, bpy.types and
# bpy.msgbus.  The main thread joins both before it cleans up, so its own
# calls are ordered after theirs.
import bpy, threading

class ProbeA(bpy.types.PropertyGroup):
    pass

class ProbeB(bpy.types.PropertyGroup):
    pass

owner_a, owner_b = object(), object()
key = (bpy.types.Object, "location")

def tick_a():
    return None

def tick_b():
    return None

def work_a():
    bpy.app.timers.register(tick_a, first_interval=60.0)
    bpy.utils.register_class(ProbeA)
    bpy.msgbus.subscribe_rna(key=key, owner=owner_a, args=(), notify=lambda: None)

def work_b():
    bpy.app.timers.is_registered(tick_a)
    bpy.utils.register_class(ProbeB)
    bpy.msgbus.subscribe_rna(key=key, owner=owner_b, args=(), notify=lambda: None)

threads = [threading.Thread(target=work_a), threading.Thread(target=work_b)]
for t in threads:
    t.start()
for t in threads:
    t.join()
bpy.app.timers.unregister(tick_a)
bpy.utils.unregister_class(ProbeA)
bpy.utils.unregister_class(ProbeB)
bpy.msgbus.clear_by_owner(owner_a)
bpy.msgbus.clear_by_owner(owner_b)
print("SCRIPT DONE")
# RACES: gil bpy.app.timers
# RACES: gil bpy.types
# RACES: gil bpy.msgbus
# SIDES: gil bpy.app.timers: read line=28 / write line=23
# SIDES: gil bpy.types: write line=24 / write line=29
# SIDES: gil bpy.msgbus: write line=25 / write line=30
