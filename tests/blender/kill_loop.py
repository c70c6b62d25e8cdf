# Used by kill.sh: writes Blender's pid to $BPYRACE_KILL_PIDFILE, then loops writing
# bpy data, printing a marker once many writes are done.  Bounded (60 s) in case the
# kill never comes.
import bpy, os, sys, time

obj = bpy.data.objects["Cube"]
with open(os.environ["BPYRACE_KILL_PIDFILE"], "w") as f:
    f.write("%d\n" % os.getpid())
deadline = time.monotonic() + 60
i = 0
while time.monotonic() < deadline:
    obj.location.x = float(i)
    i += 1
    if i == 20000:
        print("BPYRACE_KILL_MARKER", flush=True)
print("kill_loop: never killed")
