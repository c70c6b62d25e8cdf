# WINDOW
# RUNS: 5
# A modal operator reads the Cube's location on every timer event while a
# worker writes it: the operator's read (main thread, GIL held) and the
# worker's write are ordered by nothing, a GIL race; the worker's write also
# falls inside Blender's event loop, which runs natively with the GIL released,
# a data race.  When the operator has seen enough events it joins the worker
# and quits Blender.
import bpy, threading, time

obj = bpy.data.objects["Cube"]
seen = []

def worker():
    for i in range(20):
        try:
            obj.location.z = i * 0.1
        except AttributeError:
            # Blender refuses every write to ID data while the main thread draws
            # the UI (a global flag, "Writing to ID classes in this context is
            # not allowed"): the write did not happen, and no event is recorded
            # for it; the other writes make the races.
            pass
        time.sleep(0.01)

class WatchLocation(bpy.types.Operator):
    bl_idname = "wm.bpyrace_watch_location"
    bl_label = "Watch location"

    def modal(self, context, event):
        if event.type == 'TIMER':
            seen.append(obj.location.z)
            if len(seen) >= 10:
                context.window_manager.event_timer_remove(self.timer)
                t.join()
                print("SCRIPT DONE seen=%d" % len(seen))
                bpy.app.timers.register(quit_blender, first_interval=0.01)
                return {'FINISHED'}
        return {'PASS_THROUGH'}

    def invoke(self, context, event):
        self.timer = context.window_manager.event_timer_add(0.02, window=context.window)
        context.window_manager.modal_handler_add(self)
        return {'RUNNING_MODAL'}

def quit_blender():
    bpy.ops.wm.quit_blender()
    return None

def start():
    bpy.ops.wm.bpyrace_watch_location('INVOKE_DEFAULT')
    t.start()   # after the operator call: its own native windows come before
    return None

t = threading.Thread(target=worker, name="writer")
bpy.utils.register_class(WatchLocation)
bpy.app.timers.register(start, first_interval=0.1)
# RACES: gil bpy.data.objects["Cube"].location
# RACES: hard bpy.data.objects["Cube"].location
# SIDES: gil bpy.data.objects["Cube"].location: read line=32 / write line=17
# SIDES: hard bpy.data.objects["Cube"].location: window call=event_loop line=- / write line=17
