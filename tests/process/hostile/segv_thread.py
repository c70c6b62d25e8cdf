# Case 4: a worker thread dereferences NULL (ctypes.string_at(0)) while two
# others read bpy data under a lock.  Blender's crash handler writes its crash
# log and the process dies of SIGSEGV.
import ctypes, threading, time
import bpy

ob = bpy.data.objects["Cube"]
lock = threading.Lock()
go = threading.Event()

def reader():
    while True:
        with lock:
            ob.location.x
        go.set()

def crasher():
    go.wait()
    time.sleep(0.3)
    with lock:
        ob.location.x = 2.0
    print("H crashing", flush=True)
    ctypes.string_at(0)

for i in range(2):
    threading.Thread(target=reader, daemon=True).start()
threading.Thread(target=crasher).start()
time.sleep(30)
print("H not reached", flush=True)
