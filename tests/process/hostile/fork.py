# Case 1: os.fork() from the main thread, 20 times, while four threads spin on
# a threading.Lock, a queue.Queue and bpy reads (so the shim's spinlocks and
# the trace writer's lock are likely held by another thread at fork time).
# Each child reads bpy data, writes location[1] (a write the parent never
# makes: it must not reach the parent's trace), round-trips a new lock, starts
# and joins a thread (pthread_create/detach/join in the child) and _exits.
# The parent waits for each child with a deadline: a hung child is killed and
# reported.  Output lines starting "H " are compared with a run without bpyrace.
import os, queue, sys, threading, time
import bpy

ob = bpy.data.objects["Cube"]
lock = threading.Lock()
q = queue.Queue()
stop = threading.Event()
reads = [0] * 4

def spin(i):
    while not stop.is_set():
        with lock:
            ob.location.x
        q.put(i)
        q.get()
        reads[i] += 1

workers = [threading.Thread(target=spin, args=(i,)) for i in range(4)]
for w in workers:
    w.start()

def child(k):
    x = bpy.data.objects["Cube"].location.x
    bpy.data.objects["Cube"].location.y = 7.0
    l = threading.Lock()
    l.acquire()
    l.release()
    t = threading.Thread(target=lambda: bpy.data.objects["Cube"].location.z)
    t.start()
    t.join()
    os.write(1, b"H child %d ok x=%.1f\n" % (k, x))

for k in range(20):
    time.sleep(0.02)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            child(k)
        except BaseException as e:
            os.write(1, b"H child %d failed: %r\n" % (k, e))
            code = 1
        os._exit(code)
    deadline = time.monotonic() + 20
    while True:
        r, status = os.waitpid(pid, os.WNOHANG)
        if r:
            print("H child %d status %d" % (k, os.waitstatus_to_exitcode(status)), flush=True)
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            print("H child %d HUNG" % k, flush=True)
            break
        time.sleep(0.005)

stop.set()
for w in workers:
    w.join()
with lock:
    ob.location.x = 1.0
print("H parent done, workers read:", all(n > 0 for n in reads), flush=True)
