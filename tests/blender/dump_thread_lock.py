# A worker thread started, synchronised by a threading.Lock used as a signal, joined.
# The lock's sync object is announced so that the checker names it "lock": on
# 3.11 its POSIX semaphore (lockobject: PyObject_HEAD, then PyThread_type_lock =
# sem_t *), on 3.13+ the lock object itself (recorded at the Python level).
# EVENTS: thread_create thread_start acquire release
import bpy, threading, ctypes, sys

def sem_addr(lock):
    if sys.version_info >= (3, 13):
        return id(lock)
    return ctypes.c_void_p.from_address(id(lock) + 2 * ctypes.sizeof(ctypes.c_void_p)).value

obj = bpy.data.objects["Cube"]
lock = threading.Lock()
print("BPYRACE_SYNC lock 0x%x" % sem_addr(lock), flush=True)
lock.acquire()

def work():
    obj.location.x = 1.0
    lock.release()

t = threading.Thread(target=work)
t.start()
lock.acquire()
v = obj.location.x
t.join()

# EXPECT: read bpy.data.objects tid=T1 gil=true line=13
# EXPECT: read bpy.data.objects tid=T1 gil=true line=13
# EXPECT: acquire lock tid=T1
# EXPECT: thread_create child=W1 tid=T1
# EXPECT: thread_start tid=W1 origin=python
# EXPECT: read bpy.data.objects["Cube"].location tid=W1 gil=true line=19
# EXPECT: write bpy.data.objects["Cube"].location index=0 tid=W1 gil=true line=19
# EXPECT: release lock tid=W1
# EXPECT: acquire lock tid=T1
# EXPECT: read bpy.data.objects["Cube"].location tid=T1 gil=true line=25
# EXPECT: read bpy.data.objects["Cube"].location index=0 tid=T1 gil=true line=25
