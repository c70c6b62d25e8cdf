# Case 2: four threads each run /bin/echo through subprocess five times while
# updating bpy data under a lock; thread 0 also starts a child Blender that
# writes location[2] (it gets a trace of its own, TRACE.PID).  The updates are
# all ordered by the lock: no race.  "H " lines are compared with a run
# without bpyrace.
import os, subprocess, threading
import bpy

ob = bpy.data.objects["Cube"]
ob.location.x = 0.0
lock = threading.Lock()
echoed = [[] for _ in range(4)]

def work(i):
    for j in range(5):
        out = subprocess.run(["/bin/echo", "thread-%d-%d" % (i, j)], capture_output=True, text=True)
        echoed[i].append(out.stdout.strip())
        with lock:
            ob.location.x += 1.0
    if i == 0:
        child = subprocess.run([bpy.app.binary_path, "-b", "--factory-startup", "--python-expr",
                                "import bpy, os; bpy.data.objects['Cube'].location.z = 3.0; "
                                "print('child-pid', os.getpid(), bpy.data.objects['Cube'].location.z)"],
                               capture_output=True, text=True)
        for line in child.stdout.splitlines():
            if line.startswith("child-pid"):
                print(line, flush=True)
                print("H child blender:", line.split()[2], child.returncode, flush=True)

threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for i in range(4):
    print("H thread", i, echoed[i] == ["thread-%d-%d" % (i, j) for j in range(5)], flush=True)
print("H location.x", ob.location.x, flush=True)
