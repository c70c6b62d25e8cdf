#!/usr/bin/env python3
"""End-to-end tests of `bpyrace test` (docs/testing.md) on real Blender.

    check_testcmd.py BPYRACE MODE      MODE: pytest | unittest | crash | merge | leak

pytest / unittest: examples/addon's suite, 5 runs: every run exits 66, and in
JUnit exactly the racy test fails (with the expected race) while the other two
pass; the SARIF validates against the SARIF 2.1.0 schema and has one
bpyrace/gil-race result whose fingerprint is the same in every run; the JSON
names the racy test for the race.
crash: a suite that segfaults Blender in its second test still gives JUnit and
SARIF for the tests that ran and names the test that was running.
leak: a thread started in one test and racing in the next is attributed to the
second test and reported as leaking from the first.
merge: the suite split in two shards, merged with report --merge, equals the
unsharded run (same fingerprints, same tests and failures); two checkouts of the
add-on at different paths give the same fingerprint.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ADDON = os.path.join(ROOT, "examples", "addon")
SCHEMA = json.load(open(os.path.join(HERE, "sarif-schema-2.1.0.json")))
RACY_VAR = 'bpy.data.objects["Racy"].location'

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)
    return cond


def bpyrace_test(bpyrace, script, out, env_extra=None, tag="r", cwd=None):
    paths = {k: os.path.join(out, f"{tag}.{k}") for k in ("trace", "json", "xml", "sarif")}
    env = dict(os.environ)
    env.pop("BPYRACE_OPTIONS", None)
    env.update(env_extra or {})
    cmd = [bpyrace, "test", "-o", paths["trace"], "--json", paths["json"], "--junit", paths["xml"],
           "--sarif", paths["sarif"], "--", "blender", "-b", "--factory-startup", "--python", script]
    p = subprocess.run(cmd, cwd=cwd or out, env=env, capture_output=True, text=True, timeout=300)
    return p, paths


def junit_cases(path):
    root = ET.parse(path).getroot()
    cases = {}
    for tc in root.iter("testcase"):
        name = tc.get("classname") + "." + tc.get("name")
        cases[name] = {c.tag: c for c in tc}
        cases[name]["_all"] = [c.tag for c in tc]
        cases[name]["_failures"] = [c for c in tc if c.tag == "failure"]
    return root, cases


def sarif_check(path, expect_results):
    log = json.load(open(path))
    try:
        jsonschema.validate(log, SCHEMA)
    except jsonschema.ValidationError as e:
        check(False, f"{path}: not valid SARIF 2.1.0: {e.message} at {list(e.absolute_path)}")
    results = log["runs"][0]["results"]
    check(len(results) == expect_results, f"{path}: {len(results)} results, expected {expect_results}")
    rules = [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]]
    check(rules == ["bpyrace/data-race", "bpyrace/gil-race"], f"{path}: rules {rules}")
    for r in results:
        check(len(r["locations"]) == 2, f"{path}: a result without its two locations")
        check(len(r["codeFlows"][0]["threadFlows"]) == 2, f"{path}: a result without two thread flows")
        fp = r["partialFingerprints"]["bpyraceRace/v1"]
        check(len(fp) == 32 and all(c in "0123456789abcdef" for c in fp), f"{path}: fingerprint {fp}")
    return results


def suite(bpyrace, mode):
    script = os.path.join(ADDON, "run_tests.py" if mode == "pytest" else "run_unittest.py")
    if mode == "pytest":
        racy, others = "tests.test_nudger.test_nudge_racy", ["tests.test_nudger.test_nudge_locked",
                                                             "tests.test_nudger.test_vertex_count"]
        racy_id = "tests/test_nudger.py::test_nudge_racy"
    else:
        racy, others = ("unittest_nudger.NudgerTest.test_nudge_racy",
                        ["unittest_nudger.NudgerTest.test_nudge_locked",
                         "unittest_nudger.NudgerTest.test_vertex_count"])
        racy_id = "unittest_nudger.NudgerTest.test_nudge_racy"
    fingerprints = set()
    with tempfile.TemporaryDirectory() as out:
        for run in range(5):   # flaky-proofing: happens-before finds it every time
            p, paths = bpyrace_test(bpyrace, script, out, tag=f"run{run}")
            check(p.returncode == 66, f"run {run}: exit status {p.returncode}, expected 66\n{p.stderr[-3000:]}")
            check(f"bpyrace: test {racy_id}: 1 race (GIL race on {RACY_VAR})" in p.stderr,
                  f"run {run}: no per-test line for the racy test on stderr")
            root, cases = junit_cases(paths["xml"])
            check(sorted(cases) == sorted([racy] + others), f"run {run}: testcases {sorted(cases)}")
            failing = sorted(n for n, c in cases.items() if c["_failures"] or "error" in c["_all"])
            check(failing == [racy], f"run {run}: failing testcases {failing}, expected [{racy}]")
            if racy in cases and cases[racy]["_failures"]:
                f = cases[racy]["_failures"][0]
                check(f.get("message") == f"WARNING: bpyrace: GIL race on {RACY_VAR}",
                      f"run {run}: failure message {f.get('message')!r}")
                check("object_nudger/__init__.py:" in (f.text or ""), f"run {run}: failure body lacks the stack")
            check(root.find("testsuite").get("failures") == "1", f"run {run}: testsuite failures != 1")
            results = sarif_check(paths["sarif"], 1)
            if results:
                r = results[0]
                check(r["ruleId"] == "bpyrace/gil-race" and r["level"] == "warning", f"run {run}: {r['ruleId']}")
                check(r["properties"]["tests"] == [racy_id], f"run {run}: SARIF tests {r['properties']['tests']}")
                fingerprints.add(r["partialFingerprints"]["bpyraceRace/v1"])
            rep = json.load(open(paths["json"]))
            check([(x["variable"], x["tests"]) for x in rep["races"]] == [(RACY_VAR, [racy_id])],
                  f"run {run}: JSON races {[(x['variable'], x.get('tests')) for x in rep['races']]}")
            check(len(rep["tests"]) == 3 and all(t["outcome"] == "passed" for t in rep["tests"]),
                  f"run {run}: JSON tests {rep['tests']}")
    check(len(fingerprints) == 1, f"fingerprints differ between runs: {fingerprints}")


def crash(bpyrace):
    script = os.path.join(HERE, "crash_suite", "run_tests.py")
    with tempfile.TemporaryDirectory() as out:
        p, paths = bpyrace_test(bpyrace, script, out)
        check(p.returncode != 0, "a crashed suite exited 0")
        check("bpyrace: the program died while test tests/test_crash.py::test_b_crashes was running"
              in p.stderr, "stderr does not name the running test:\n" + p.stderr[-3000:])
        root, cases = junit_cases(paths["xml"])
        check(sorted(cases) == ["tests.test_crash.test_a_racy", "tests.test_crash.test_b_crashes"],
              f"testcases {sorted(cases)}")
        a, b = cases.get("tests.test_crash.test_a_racy"), cases.get("tests.test_crash.test_b_crashes")
        if a and b:
            check(len(a["_failures"]) == 1, "the racy test that ran has no race failure")
            check("error" in b and b["error"].get("type") == "bpyrace.crash", "the crashed test has no crash error")
        sarif_check(paths["sarif"], 1)
        inv = json.load(open(paths["sarif"]))["runs"][0]["invocations"][0]
        check(inv["executionSuccessful"] is False and
              "test tests/test_crash.py::test_b_crashes was running" in
              inv["toolExecutionNotifications"][0]["message"]["text"], f"SARIF invocation {inv}")
        # the trace is cut short too (docs/reports.md, "Incomplete runs")
        check([n["message"]["text"].split(";")[0] for n in inv.get("toolExecutionNotifications", [])][1:] ==
              ["incomplete trace: the program died of signal 11 (SIGSEGV)"], f"SARIF incomplete {inv}")
        rep = json.load(open(paths["json"]))
        check(rep.get("complete") is False and
              rep.get("incomplete_reason") == "the program died of signal 11 (SIGSEGV)",
              f"JSON complete/incomplete_reason {rep.get('complete')} {rep.get('incomplete_reason')}")
        rep = json.load(open(paths["json"]))
        check(rep["truncated"] is True, "JSON report not marked truncated")
        check([t["outcome"] for t in rep["tests"]] == ["passed", "crashed"], f"JSON tests {rep['tests']}")


def merge(bpyrace):
    script = os.path.join(ADDON, "run_tests.py")
    with tempfile.TemporaryDirectory() as out:
        full, fpaths = bpyrace_test(bpyrace, script, out, tag="full")
        shards = []
        for i in (1, 2):
            p, paths = bpyrace_test(bpyrace, script, out, {"BPYRACE_SHARD": f"{i}/2"}, tag=f"shard{i}")
            check(p.returncode in (0, 66), f"shard {i}: exit {p.returncode}\n{p.stderr[-2000:]}")
            shards.append(paths["json"])
        # the same race twice (two copies of the racy shard) is one race after merging
        racy_shard = shards[0]
        cmd = [bpyrace, "report", "--merge", shards[0], shards[1], racy_shard,
               "--json", os.path.join(out, "m.json"), "--junit", os.path.join(out, "m.xml"),
               "--sarif", os.path.join(out, "m.sarif"), "--quiet"]
        p = subprocess.run(cmd, cwd=out, capture_output=True, text=True)
        check(p.returncode == 66, f"merge exit {p.returncode}: {p.stderr}")
        ms = sarif_check(os.path.join(out, "m.sarif"), 1)
        fs = json.load(open(fpaths["sarif"]))["runs"][0]["results"]
        check([r["partialFingerprints"] for r in ms] == [r["partialFingerprints"] for r in fs],
              "merged fingerprints differ from the unsharded run's")
        _, mc = junit_cases(os.path.join(out, "m.xml"))
        _, fc = junit_cases(fpaths["xml"])
        check(sorted(mc) == sorted(fc), f"merged testcases {sorted(mc)} != {sorted(fc)}")
        check(sorted(n for n, c in mc.items() if c["_failures"]) ==
              sorted(n for n, c in fc.items() if c["_failures"]), "merged failures differ")
        m = json.load(open(os.path.join(out, "m.json")))
        check(len(m["races"]) == 1 and m["races"][0]["tests"] == ["tests/test_nudger.py::test_nudge_racy"],
              f"merged JSON races {m['races']}")
        f = json.load(open(fpaths["json"]))
        # the racy test's pool jobs are tasks, and merging keeps what names them
        tasks = lambda rep: [a["thread"].get("task") for r in rep["races"] for a in r["accesses"]]
        check(all(t and t["pool"].startswith("ThreadPoolExecutor-") and t["index"] >= 1 and t["submitted_at"]
                  for t in tasks(f)), f"unsharded sides without their task: {tasks(f)}")
        check(tasks(m) == tasks(f), "merging changed the sides' tasks")
        check([r.get("fingerprint") for r in m["races"]] == [r.get("fingerprint") for r in f["races"]]
              == [r["partialFingerprints"]["bpyraceRace/v1"] for r in fs],
              "JSON fingerprints differ from SARIF's or between merged and unsharded")
        # two checkouts at different paths (two machines): the same fingerprint
        fps = []
        for k, sub in enumerate(("a", os.path.join("b", "deeper", "checkout"))):
            root = os.path.join(out, sub)
            shutil.copytree(ADDON, root)
            p, paths = bpyrace_test(bpyrace, os.path.join(root, "run_tests.py"), out, tag=f"m{k}", cwd=root)
            fps.append([r["partialFingerprints"] for r in json.load(open(paths["sarif"]))["runs"][0]["results"]])
        check(fps[0] == fps[1] and len(fps[0]) == 1, f"fingerprints differ between checkouts: {fps}")
        bad = subprocess.run([bpyrace, "report", "--merge", os.path.join(out, "nope.json")],
                             capture_output=True, text=True)
        check(bad.returncode == 2 and "nope.json" in bad.stderr, f"missing file: {bad.returncode} {bad.stderr}")


def leak(bpyrace):
    script = os.path.join(HERE, "leak_suite", "run_tests.py")
    a, b = "tests/test_leak.py::test_a_starts_thread", "tests/test_leak.py::test_b_reads"
    with tempfile.TemporaryDirectory() as out:
        p, paths = bpyrace_test(bpyrace, script, out)
        check(p.returncode == 66, f"exit {p.returncode}\n{p.stderr[-2000:]}")
        rep = json.load(open(paths["json"]))
        races = [(r["variable"], r["tests"], [(l["from"], l["to"]) for l in r["leaks"]]) for r in rep["races"]]
        check(races == [('bpy.data.objects["Cube"].location', [b], [(a, b)])], f"races {races}")
        check(f"created in test {a}, races in {b}" in p.stderr, "no leak line on stderr:\n" + p.stderr[-2000:])
        _, cases = junit_cases(paths["xml"])
        failing = sorted(n for n, c in cases.items() if c["_failures"])
        check(failing == ["tests.test_leak.test_b_reads"], f"failing {failing}")
        body = cases["tests.test_leak.test_b_reads"]["_failures"][0].text or ""
        check(f"was created in test {a} and still runs in {b}" in body, "JUnit failure lacks the leak")


def main():
    bpyrace, mode = os.path.abspath(sys.argv[1]), sys.argv[2]
    if mode in ("pytest", "unittest"):
        suite(bpyrace, mode)
    elif mode == "crash":
        crash(bpyrace)
    elif mode == "merge":
        merge(bpyrace)
    elif mode == "leak":
        leak(bpyrace)
    else:
        sys.exit(f"unknown mode {mode}")
    print(f"{mode}: {'FAILED' if failures else 'ok'}")
    sys.exit(1 if failures else 0)


main()
