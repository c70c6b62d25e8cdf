# Case 5c: the program closes the trace's descriptor and renames the trace
# file (so it cannot be reopened by name), optionally closes stderr
# (HOSTILE_CLOSE_STDERR=1), then makes enough bpy accesses for the trace to
# need a new 16 MiB segment: the writer must stop recording cleanly (one
# warning line on stderr, or nothing when stderr is closed), and Blender goes
# on.  The file is renamed back before exit, for bpyrace to read.
import os
import bpy

ob = bpy.data.objects["Cube"]
trace = os.environ.get("BPYRACE_TRACE")
moved = None
if trace:
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink("/proc/self/fd/" + name) == trace:
                os.close(int(name))
        except OSError:
            pass
    moved = trace + ".moved"
    os.rename(trace, moved)
if os.environ.get("HOSTILE_CLOSE_STDERR") == "1":
    os.close(2)
for i in range(600000):
    ob.location.y = i
if moved:
    os.rename(moved, trace)
print("H location.y", ob.location.y, flush=True)
