#!/usr/bin/env python3
"""Writes tests/viewer/fixture.json: a JSON report (docs/reports.md) with one
race of each kind the viewer draws differently (native window with native
frames, folded items, an unreadable source file, a side without a Python
stack, RNA and operator calls, a non-ASCII thread name).  The golden screens
in tests/viewer/golden were captured from it; run from the repository root."""
import json
S = "tests/viewer/fixture_src.py"
T = "/usr/lib/python3.11/threading.py"
def fr(f, fn, l): return {"file": f, "function": fn, "line": l}
main = {"id": 1, "origin": "main", "name": "MainThread", "created_at": []}
reader = {"id": 2, "origin": "python", "name": "reader", "created_at": [fr(T, "start", 957), fr(S, "<module>", 26)]}
w1 = {"id": 3, "origin": "python", "name": "Thread-1 (bump)", "created_at": [fr(T, "start", 957), fr(S, "<module>", 29)]}
w2 = {"id": 4, "origin": "python", "name": "Wörker-2", "created_at": [fr(T, "start", 957), fr(S, "<module>", 29)]}
bl = {"id": 5, "origin": "blender", "name": None, "created_at": []}
ADV_LOCK = "guard every access to this property with one threading.Lock, or hand the work to the main thread (bpy.app.timers / a queue.Queue)"
ADV_MAIN = "do not touch bpy data from a thread while Blender runs native work (scene.frame_set, depsgraph updates, operators, rendering); hand the work to the main thread (bpy.app.timers / a queue.Queue)"
races = [
 {"class": "hard", "variable": 'bpy.data.objects["Cube"].location', "observed": True, "count": 1500,
  "accesses": [
   {"kind": "write", "thread": main, "gil": False, "stack": [fr(S, "<module>", 32)],
    "native_stack": [fr("/usr/bin/blender", "BKE_scene_graph_update_for_newframe", 0x1234), fr("/usr/bin/blender", "scene_frame_set", 0x88)],
    "what": "native_window"},
   {"kind": "read", "thread": reader, "gil": True, "stack": [fr(S, "watch", 12), fr(T, "run", 975), fr(T, "_bootstrap_inner", 1038)],
    "native_stack": [], "index": 2}],
  "advice": ADV_MAIN},
 {"class": "gil", "variable": 'bpy.data.meshes["Mesh"].vertices[80].co', "observed": False, "count": 40, "items": 40,
  "accesses": [
   {"kind": "write", "thread": w1, "gil": True, "stack": [fr(S, "smooth", 23)], "native_stack": [], "index": 2},
   {"kind": "read", "thread": w2, "gil": True, "stack": [fr(S, "smooth", 23)], "native_stack": [], "index": 2}],
  "advice": ADV_LOCK},
 {"class": "hard", "variable": 'bpy.data.node_groups["A very long node group name that does not fit"].nodes["Principled BSDF"].inputs[0].default_value',
  "observed": False, "count": 3,
  "accesses": [
   {"kind": "write", "thread": bl, "gil": False, "stack": [], "native_stack": [], "what": "native_window"},
   {"kind": "read", "thread": w2, "gil": True, "stack": [fr("/no/such/addon.py", "preview", 7)], "native_stack": []}],
  "advice": ADV_MAIN},
 {"class": "gil", "variable": 'bpy.data.objects["Lamp"].hide_viewport', "observed": True, "count": 7,
  "accesses": [
   {"kind": "write", "thread": w1, "gil": True, "stack": [fr(S, "bump", 18)], "native_stack": [], "what": "rna_call", "call": "Object.select_set"},
   {"kind": "write", "thread": w2, "gil": True, "stack": [fr(S, "bump", 18)], "native_stack": [], "what": "operator_call", "call": "bpy.ops.object.delete"}],
  "advice": ADV_LOCK},
 {"class": "gil", "variable": 'bpy.data.scenes["Scene"]["counter"]', "observed": True, "count": 412,
  "accesses": [
   {"kind": "write", "thread": w1, "gil": True, "stack": [fr(S, "bump", 18), fr(T, "run", 975)], "native_stack": []},
   {"kind": "read", "thread": w2, "gil": True, "stack": [fr(S, "bump", 18), fr(T, "run", 975)], "native_stack": []}],
  "advice": ADV_LOCK},
]
doc = {"tool": "bpyrace", "version": "0.1.0", "races": races,
       "summary": {"races": 5, "gil": 3, "hard": 2, "events": 123456, "threads": 5, "suppressed": 1}}
with open("tests/viewer/fixture.json", "w", encoding="utf-8") as f:
    f.write(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
