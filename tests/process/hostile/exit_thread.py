# Case 3: a thread calls os._exit(3) while three others read bpy data under a
# lock and the main thread waits.  No exit handler runs: the trace is not
# closed.  "H " lines are compared with a run without bpyrace.
import os, threading, time
import bpy

ob = bpy.data.objects["Cube"]
lock = threading.Lock()
go = threading.Event()

def reader():
    while True:
        with lock:
            ob.location.x
        go.set()

def exiter():
    go.wait()
    time.sleep(0.3)
    with lock:
        ob.location.x = 2.0
    print("H exiting", flush=True)
    os._exit(3)

for i in range(3):
    threading.Thread(target=reader, daemon=True).start()
threading.Thread(target=exiter).start()
time.sleep(30)
print("H not reached", flush=True)
