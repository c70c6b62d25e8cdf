"""What the Blender test harnesses share: running a script under bpyrace,
dumping a trace, and the 'harness broken' exit (status 99, strace style)."""
import json
import os
import subprocess
import sys

BROKEN = 99


def broken(prog, msg):
    print("%s: HARNESS BROKEN: %s" % (prog, msg), file=sys.stderr)
    sys.exit(BROKEN)


def run_traced(prog, bpyrace, script, trace, extra=(), timeout=100, window=False, expr=False,
               addon=False):
    """bpyrace run SCRIPT in background Blender, recording TRACE; the script
    must not raise.  With WINDOW, Blender runs with a real window on a private
    Xvfb display (the script quits Blender itself) and its temporary files
    (quit.blend) go beside TRACE.  With EXPR, the script is run by
    --python-expr (not a command-line script file: Blender's start-up is not
    seen to end with it).  With ADDON, there is no script: SCRIPT is an add-on
    (bl_info, register) that Blender enables at start-up (--addons), from a
    scripts folder beside TRACE.  Returns the CompletedProcess (stdout, stderr
    as text)."""
    cmd = [bpyrace, "run", "--quiet", "--exitcode", "0", "-o", trace, *extra, "--", "blender"]
    run_script = ["--python-expr", "exec(compile(open(%r).read(), %r, 'exec'))" % (script, script)] \
        if expr else ["--python", script]
    env = dict(os.environ)
    if addon:
        name = os.path.splitext(os.path.basename(script))[0]
        addons = os.path.join(os.path.dirname(os.path.abspath(trace)), "scripts", "addons")
        os.makedirs(addons, exist_ok=True)
        with open(script) as src, open(os.path.join(addons, name + ".py"), "w") as dst:
            dst.write(src.read())
        env["BLENDER_USER_SCRIPTS"] = os.path.dirname(addons)
        run_script = ["--addons", name]
    cmd += (["--factory-startup"] if window else ["-b", "--factory-startup"]) + run_script
    if window:
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24"] + cmd
        env["TMPDIR"] = os.path.dirname(os.path.abspath(trace))
    try:
        run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, errors="replace", timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        broken(prog, "bpyrace run timed out after %d s" % timeout)
    if run.returncode != 0 or "Traceback" in run.stdout + run.stderr:
        sys.stderr.write(run.stdout[-3000:] + run.stderr[-3000:])
        broken(prog, "bpyrace run failed (exit %d) or the script raised" % run.returncode)
    return run


def dump_events(prog, bpyrace, trace):
    """The events of TRACE as parsed JSON objects."""
    dump = subprocess.run([bpyrace, "dump", trace], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, errors="replace")
    if dump.returncode != 0:
        broken(prog, "bpyrace dump exited %d: %s" % (dump.returncode, dump.stderr[-1000:]))
    try:
        return [json.loads(l) for l in dump.stdout.splitlines()]
    except ValueError as e:
        broken(prog, "bpyrace dump printed a line that is not JSON: %s" % e)


def run_main(prog, main):
    """sys.exit(main()); anything unexpected is the harness's fault (99)."""
    try:
        sys.exit(main())
    except SystemExit:
        raise
    except BaseException as e:
        broken(prog, "%s: %s" % (type(e).__name__, e))
