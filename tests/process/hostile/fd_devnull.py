# Case 5b: while two threads update bpy data under a lock, the main thread
# dup2()s /dev/null over every descriptor from 3 to 1023 (the trace's own
# included), then closes stderr, and the program makes enough bpy accesses
# for the trace to grow by more than one 16 MiB segment.  Recording must go
# on; nothing may crash.  "H " lines go to stdout.
import os, threading
import bpy

ob = bpy.data.objects["Cube"]
lock = threading.Lock()
started = threading.Barrier(3)

def work():
    started.wait()
    for i in range(20000):
        with lock:
            ob.location.x += 1.0

threads = [threading.Thread(target=work) for _ in range(2)]
for t in threads:
    t.start()
started.wait()
null = os.open("/dev/null", os.O_RDWR)
for fd in range(3, 1024):
    if fd != null:
        try:
            os.dup2(null, fd)
        except OSError:
            pass
os.close(null)
os.close(2)
for t in threads:
    t.join()
for i in range(600000):
    ob.location.y = i
with lock:
    ob.location.x += 1.0
print("H location.x", ob.location.x, "location.y", ob.location.y, flush=True)
