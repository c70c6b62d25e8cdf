import ctypes
import threading

import bpy


def test_a_racy():
    cube = bpy.data.objects["Cube"]
    start = threading.Barrier(2)

    def work():
        start.wait()
        for _ in range(100):
            cube.location.y += 1.0

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_b_crashes():
    ctypes.string_at(0)   # SIGSEGV inside Blender


def test_c_never_runs():
    pass
