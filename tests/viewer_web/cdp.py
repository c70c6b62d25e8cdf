"""A small Chrome DevTools Protocol client for headless Chromium, over
--remote-debugging-pipe (the browser reads commands on its fd 3 and writes
answers and events on its fd 4, one JSON message each, NUL-terminated): no
port, no websocket, nothing but the standard library.

    with Browser(binary, workdir) as b:
        page = b.new_page()
        page.navigate("file:///...")
        page.wait_for("document.readyState === 'complete'", "the page's load")
        page.evaluate("document.title")
"""
import fcntl
import json
import os
import select
import subprocess
import time


class CdpError(Exception):
    pass


class Browser:
    def __init__(self, binary, workdir, width=1600, height=1000):
        cmd_r, cmd_w = os.pipe()       # we write commands, the browser reads fd 3
        res_r, res_w = os.pipe()       # the browser writes fd 4, we read

        # The child's ends go above fd 4 first, so that dup2 onto 3 and 4 never
        # meets itself (dup2(3, 3) would leave close-on-exec set).
        def high(fd):
            new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
            os.close(fd)
            return new
        cmd_r, res_w = high(cmd_r), high(res_w)

        def child():
            os.dup2(cmd_r, 3)
            os.dup2(res_w, 4)
        self.log = os.path.join(workdir, "chromium.log")
        args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions",
                "--remote-debugging-pipe", "--user-data-dir=" + os.path.join(workdir, "profile"),
                "--window-size=%d,%d" % (width, height), "about:blank"]
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(args, preexec_fn=child, close_fds=False,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        os.close(cmd_r)
        os.close(res_w)
        self.w, self.r = cmd_w, res_r
        self.buf = b""
        self.next_id = 0
        self.events = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.call("Browser.close", timeout=5)
            except (CdpError, OSError):
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for fd in (self.w, self.r):
            try:
                os.close(fd)
            except OSError:
                pass

    def _message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CdpError("Chromium did not answer in time")
            ready, _, _ = select.select([self.r], [], [], left)
            if ready:
                data = os.read(self.r, 1 << 20)
                if not data:
                    raise CdpError("Chromium closed its DevTools pipe (exit %s); its log:\n%s"
                                   % (self.proc.poll(), self.log_tail()))
                self.buf += data
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def log_tail(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def call(self, method, session=None, timeout=60, **params):
        """Send one command and return its result; events that arrive
        meanwhile are kept in self.events."""
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        try:
            os.write(self.w, json.dumps(msg).encode() + b"\0")
        except BrokenPipeError:
            raise CdpError("Chromium is gone (exit %s); its log:\n%s"
                           % (self.proc.poll(), self.log_tail()))
        deadline = time.monotonic() + timeout
        while True:
            m = self._message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise CdpError("%s: %s" % (method, m["error"].get("message", m["error"])))
                return m.get("result", {})
            self.events.append(m)

    def new_page(self):
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        return Page(self, session)


class Page:
    def __init__(self, browser, session):
        self.b = browser
        self.s = session

    def call(self, method, timeout=60, **params):
        return self.b.call(method, session=self.s, timeout=timeout, **params)

    def navigate(self, url):
        r = self.call("Page.navigate", url=url)
        if r.get("errorText"):
            raise CdpError("cannot open %s: %s" % (url, r["errorText"]))

    def evaluate(self, expr):
        """The value of a JavaScript expression (JSON-serializable)."""
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CdpError("JavaScript error in %r: %s" % (
                expr[:200], d.get("exception", {}).get("description", d.get("text"))))
        return r["result"].get("value")

    def wait_for(self, expr, what, timeout=60):
        """Poll EXPR until it is truthy and return its value; raise naming WHAT."""
        deadline = time.monotonic() + timeout
        while True:
            v = self.evaluate(expr)
            if v:
                return v
            if time.monotonic() > deadline:
                raise CdpError("timed out after %d s waiting for %s" % (timeout, what))
            time.sleep(0.1)

    def set_files(self, selector, files):
        """What choosing FILES in a file input's dialog does (input and change events)."""
        root = self.call("DOM.getDocument")["root"]["nodeId"]
        node = self.call("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
        if not node:
            raise CdpError("no element %s" % selector)
        self.call("DOM.setFileInputFiles", nodeId=node, files=list(files))

    def click(self, x, y):
        """A left click of the mouse at page coordinates X, Y."""
        self.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def key(self, key, code, keycode, modifiers=0):
        """One key pressed and released (MODIFIERS: 1 Alt, 2 Ctrl, 4 Meta, 8 Shift)."""
        for kind in ("rawKeyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=kind, key=key, code=code,
                      windowsVirtualKeyCode=keycode, modifiers=modifiers)

    def type_text(self, text):
        self.call("Input.insertText", text=text)

    def screenshot(self, path):
        import base64
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
