# RUNS: 5
# The other registry calls, thread against thread: the main thread registers a
# timer, a class and a subscription; then one thread asks for the timer,
# registers another class and publishes, while another unregisters the timer
# and the class and clears the subscription.  One call per registry each, so
# exactly one GIL race per registry whatever the schedule.
import bpy, threading

class ProbeKept(bpy.types.PropertyGroup):
    pass

class ProbeAdded(bpy.types.PropertyGroup):
    pass

owner = object()
key = (bpy.types.Object, "location")

def tick():
    return None

bpy.app.timers.register(tick, first_interval=60.0)
bpy.utils.register_class(ProbeKept)
bpy.msgbus.subscribe_rna(key=key, owner=owner, args=(), notify=lambda: None)

def asker():
    bpy.app.timers.is_registered(tick)
    bpy.utils.register_class(ProbeAdded)
    bpy.msgbus.publish_rna(key=key)

def undoer():
    bpy.app.timers.unregister(tick)
    bpy.utils.unregister_class(ProbeKept)
    bpy.msgbus.clear_by_owner(owner)

threads = [threading.Thread(target=asker), threading.Thread(target=undoer)]
for t in threads:
    t.start()
for t in threads:
    t.join()
bpy.utils.unregister_class(ProbeAdded)
print("SCRIPT DONE")
# RACES: gil bpy.app.timers
# RACES: gil bpy.types
# RACES: gil bpy.msgbus
# SIDES: gil bpy.app.timers: read line=26 / write line=31
# SIDES: gil bpy.types: write line=27 / write line=32
# SIDES: gil bpy.msgbus: write line=28 / write line=33
