# Cases 3 and 4: a thread ends the process while others read bpy data under a
# lock and the main thread waits.  HOSTILE_DEATH=exit: it calls os._exit(3), so
# no exit handler runs and the trace is not closed.  HOSTILE_DEATH=segv: it
# dereferences NULL (ctypes.string_at(0)); Blender's crash handler writes its
# crash log and the process dies of SIGSEGV.  "H " lines are compared with a
# run without bpyrace.
import ctypes, os, threading, time
import bpy

DEATH = os.environ["HOSTILE_DEATH"]
ob = bpy.data.objects["Cube"]
lock = threading.Lock()
go = threading.Event()

def reader():
    while True:
        with lock:
            ob.location.x
        go.set()

def dier():
    go.wait()
    time.sleep(0.3)
    with lock:
        ob.location.x = 2.0
    if DEATH == "exit":
        print("H exiting", flush=True)
        os._exit(3)
    print("H crashing", flush=True)
    ctypes.string_at(0)

for i in range(3 if DEATH == "exit" else 2):
    threading.Thread(target=reader, daemon=True).start()
threading.Thread(target=dier).start()
time.sleep(30)
print("H not reached", flush=True)
