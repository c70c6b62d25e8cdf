# A thread created natively (pthread_create through ctypes, as a library of
# Blender's creates its threads) names itself with pthread_setname_np and
# writes the Cube: the report names it by its OS name.  A Python thread that
# also sets an OS name keeps its Python name.
# The native thread runs Python through ctypes' PyGILState_Ensure/Release, as
# Blender's job and depsgraph threads do: its release with no Python frame is a
# host release (race model, "Host calls"), so the rest of its life is a native
# window, unordered with the Python worker's write: a hard race besides the
# GIL race, whichever binary made the calls.
import bpy, ctypes, threading

libc = ctypes.CDLL(None)
libc.pthread_self.restype = ctypes.c_ulong
libc.pthread_setname_np.argtypes = [ctypes.c_ulong, ctypes.c_char_p]
obj = bpy.data.objects["Cube"]
START = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)

def native_main(arg):
    libc.pthread_setname_np(libc.pthread_self(), b"native-worker")
    obj.location = (1.0, 0.0, 0.0)
    return None

def py_worker():
    libc.pthread_setname_np(libc.pthread_self(), b"os-name")
    obj.location = (0.0, 2.0, 0.0)

start = START(native_main)
native = ctypes.c_ulong()
libc.pthread_create(ctypes.byref(native), None, start, None)
t = threading.Thread(target=py_worker, name="py-worker")
t.start()
libc.pthread_join(native, None)
t.join()
print("SCRIPT DONE")
# RACES: gil bpy.data.objects["Cube"].location
# RACES: hard bpy.data.objects["Cube"].location
# SIDES: gil bpy.data.objects["Cube"].location: write line=20 / write line=25
# SIDES: hard bpy.data.objects["Cube"].location: window call=blender_thread line=- / write line=25
# THREADS: blender native-worker
# THREADS: python py-worker
