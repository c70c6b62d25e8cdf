# A worker thread started, synchronised by a threading.Lock used as a signal, joined.
# The lock's POSIX semaphore (CPython 3.11 lockobject: PyObject_HEAD, then
# PyThread_type_lock = sem_t *) is announced so that the checker names it "lock".
# EVENTS: thread_create thread_start acquire release
import bpy, threading, ctypes

def sem_addr(lock):
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

# EXPECT: read bpy.data.objects tid=T1 gil=true line=10
# EXPECT: read bpy.data.objects tid=T1 gil=true line=10
# EXPECT: acquire lock tid=T1
# EXPECT: thread_create child=W1 tid=T1
# EXPECT: thread_start tid=W1 origin=python
# EXPECT: read bpy.data.objects["Cube"].location tid=W1 gil=true line=16
# EXPECT: write bpy.data.objects["Cube"].location index=0 tid=W1 gil=true line=16
# EXPECT: release lock tid=W1
# EXPECT: acquire lock tid=T1
# EXPECT: read bpy.data.objects["Cube"].location tid=T1 gil=true line=22
# EXPECT: read bpy.data.objects["Cube"].location index=0 tid=T1 gil=true line=22
