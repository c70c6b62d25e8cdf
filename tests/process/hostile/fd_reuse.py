# Case 5a: the program closes every descriptor from 3 up (os.closerange, the
# trace's own included) after its threads ran, then a file of its own,
# USER_FILE, gets the trace descriptor's old number (dup2, as a reused number
# would), and the program makes enough bpy accesses for the trace to grow by
# more than one 16 MiB segment.  The user's file must stay untouched (64
# bytes of "U"), the trace must go on.  Without bpyrace the number is 1000.
import os, sys, threading
import bpy

ob = bpy.data.objects["Cube"]
lock = threading.Lock()

def work():
    for i in range(2000):
        with lock:
            ob.location.x += 1.0

threads = [threading.Thread(target=work) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()

trace = os.environ.get("BPYRACE_TRACE")
num = 1000
for name in os.listdir("/proc/self/fd"):
    try:
        if trace and os.readlink("/proc/self/fd/" + name) == trace:
            num = int(name)
    except OSError:
        pass
os.closerange(3, max(1024, num + 1))
path = os.environ["USER_FILE"]
fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, b"U" * 64)
if fd != num:
    os.dup2(fd, num)
    os.close(fd)
for i in range(600000):
    ob.location.y = i
st = os.fstat(num)
os.lseek(num, 0, os.SEEK_SET)
print("H user file:", st.st_size, os.read(num, 100) == b"U" * 64, flush=True)
print("H location.x", ob.location.x, "location.y", ob.location.y, flush=True)
