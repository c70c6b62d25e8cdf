import threading

import bpy

started = threading.Event()
go = threading.Event()
done = threading.Event()
state = {}


def test_a_starts_thread():
    obj = bpy.data.objects["Cube"]

    def work():
        started.set()
        go.wait()            # released by test_b: its writes happen during test_b
        for _ in range(50):
            obj.location.z += 1.0
        done.set()

    state["thread"] = threading.Thread(target=work, name="leaky", daemon=True)
    state["thread"].start()
    started.wait()


def test_b_reads():
    go.set()
    for _ in range(50):
        _ = bpy.data.objects["Cube"].location.z   # races with the leaked thread
    done.wait()


def test_c_clean():
    assert bpy.data.objects["Cube"].name == "Cube"
