# A thread changes Blender's registries (a timer, a class, a message-bus
# subscription) while the main thread runs operators, native windows: nothing
# orders the two, so each registry call is a data race with the operator that
# follows it.  The thread and the main thread take turns through a plain list
# (which orders nothing), so Blender itself is never torn by the test.
import bpy, threading, time

class RegistryProbe(bpy.types.PropertyGroup):
    pass

owner = object()
key = (bpy.types.Object, "location")
steps, ops = [], []

def tick():
    return None

def turn(n):   # the thread's n-th call is done: wait for the main thread's operator
    steps.append(n)
    while len(ops) < n:
        time.sleep(0.001)

def work():
    bpy.app.timers.register(tick, first_interval=60.0); turn(1)
    bpy.app.timers.is_registered(tick); turn(2)
    bpy.app.timers.unregister(tick); turn(3)
    bpy.utils.register_class(RegistryProbe); turn(4)
    bpy.utils.unregister_class(RegistryProbe); turn(5)
    bpy.msgbus.subscribe_rna(key=key, owner=owner, args=(), notify=lambda: None); turn(6)
    bpy.msgbus.publish_rna(key=key); turn(7)
    bpy.msgbus.clear_by_owner(owner); turn(8)

t = threading.Thread(target=work)
t.start()
for step in range(1, 9):
    while len(steps) < step and t.is_alive():
        time.sleep(0.001)
    bpy.ops.object.select_all(action='TOGGLE')
    ops.append(step)
t.join()
print("SCRIPT DONE")
# RACES: hard bpy.app.timers
# RACES: hard bpy.app.timers
# RACES: hard bpy.app.timers
# RACES: hard bpy.types
# RACES: hard bpy.types
# RACES: hard bpy.msgbus
# RACES: hard bpy.msgbus
# RACES: hard bpy.msgbus
# SIDES: hard bpy.app.timers: window call=bpy.ops.object.select_all line=38 / write line=24
# SIDES: hard bpy.app.timers: read line=25 / window call=bpy.ops.object.select_all line=38
# SIDES: hard bpy.app.timers: window call=bpy.ops.object.select_all line=38 / write line=26
# SIDES: hard bpy.types: window call=bpy.ops.object.select_all line=38 / write line=27
# SIDES: hard bpy.types: window call=bpy.ops.object.select_all line=38 / write line=28
# SIDES: hard bpy.msgbus: window call=bpy.ops.object.select_all line=38 / write line=29
# SIDES: hard bpy.msgbus: window call=bpy.ops.object.select_all line=38 / write line=30
# SIDES: hard bpy.msgbus: window call=bpy.ops.object.select_all line=38 / write line=31
