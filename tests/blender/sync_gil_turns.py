# Two threads write one property with nothing ordering them, taking turns
# through the GIL: time.sleep hands it over, and a Python list, which orders
# nothing, says whose turn it is.  A writes, then B, then A again, all from
# one line each: one GIL race, and the report must say it interleaved in
# this run.  The recorder gives a thread's accesses seqs from a block it
# reserved earlier (tracer/trace_writer.c, tw_emit_in_block); a block that
# outlived the GIL hand-off would put A's second write before B's, and the
# race would read "possible".
# RACES: gil bpy.data.objects["Cube"].location
# OBSERVED: gil bpy.data.objects["Cube"].location: true
# RUNS: 2
import threading
import time

import bpy

ob = bpy.data.objects["Cube"]
turn = ["A"]


def wait_for(who):
    while turn[0] != who:
        time.sleep(0.0005)


def a():
    for i in range(2):
        wait_for("A")
        ob.location.x = float(i)
        turn[0] = "B" if i == 0 else "done"


def b():
    wait_for("B")
    ob.location.x = 10.0
    turn[0] = "A"


ta = threading.Thread(target=a)
tb = threading.Thread(target=b)
ta.start()
tb.start()
ta.join()
tb.join()
print("SCRIPT DONE")
