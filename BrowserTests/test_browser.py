#!/usr/bin/env python3
"""Browser tests of the sample app's page (CONFORMANCE.md X10, X11) in headless Chromium.

Starts the built sample server (`.build/debug/durable-streaming`, or $FLOWSTREAMS_SERVER) on a free port
and a small TCP proxy in front of it; the browser loads the page through the proxy, which logs every
request and response (so the tests can see what EventSource sent) and can cut the EventSource
connection once, mid-stream, the way a server or network drops it.

A plain script (only selenium needed). Prints one line per test in swift-testing's format, so
`scripts/test` counts them, then `browser: N passed, N failed`; exits non-zero on any failure.

    python3 BrowserTests/test_browser.py            # run every test
    python3 BrowserTests/test_browser.py --skip WHY # print each test as skipped (no browser here)
"""

import asyncio
import collections
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.environ.get("FLOWSTREAMS_SERVER", os.path.join(ROOT, ".build", "debug", "durable-streaming"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHUNK_DELAY_MS = 150
STREAM_PATH = "/streamy/streams/"


class TestFailure(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise TestFailure(message)


def wait_until(condition, timeout, what, poll=0.05):
    """Polls `condition` until it returns a truthy value (returned), or fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TestFailure(f"timed out after {timeout} s waiting for {what}")
        time.sleep(poll)


# MARK: - The sample server


class SampleServer:
    """`durable-streaming serve --port 0`, its port read from the `FlowStreams listening on` line."""

    def __init__(self, log_dir):
        self.log_path = os.path.join(log_dir, "server.log")
        self.process = None
        self.port = None

    def start(self):
        if not os.access(SERVER, os.X_OK):
            raise TestFailure(f"no server binary at {SERVER} (run `swift build` first)")
        arguments = [SERVER, "serve", "--host", "127.0.0.1", "--port", "0", "--chunk-delay-ms", str(CHUNK_DELAY_MS)]
        help_text = subprocess.run([SERVER, "serve", "--help"], capture_output=True, text=True, timeout=30).stdout
        if "--store" in help_text:
            arguments += ["--store", "memory"]
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=self.log, text=True)
        lines = []

        def read_port():
            for line in self.process.stdout:
                lines.append(line)
                match = re.search(r"FlowStreams listening on http://[^\s:]+:(\d+)", line)
                if match:
                    self.port = int(match.group(1))
                    break

        reader = threading.Thread(target=read_port, daemon=True)
        reader.start()
        reader.join(30)
        if self.port is None:
            self.stop()
            raise TestFailure(f"the server did not print its port; stdout: {''.join(lines)!r}; log: {self.log_path}")
        # Keep draining stdout so the server never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.process.stdout], daemon=True).start()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


# MARK: - The proxy


class ResponseParser:
    """Follows the HTTP/1.1 responses of one connection (heads, Content-Length and chunked bodies) and
    hands each body's bytes to the request record it answers, in order."""

    def __init__(self, pending):
        self.pending = pending
        self.buffer = b""
        self.state = "head"
        self.remaining = 0
        self.record = None

    def feed(self, data):
        self.buffer += data
        while self.step():
            pass

    def body(self, data):
        if self.record is not None and data:
            self.record["body"] += data

    def step(self):
        if self.state == "head":
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return False
            head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4:]
            lines = head.split("\r\n")
            status = int(lines[0].split(" ")[1])
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if 100 <= status < 200:
                return True
            self.record = self.pending.popleft() if self.pending else None
            if self.record is not None:
                self.record["status"] = status
                self.record["response_headers"] = headers
            if status in (204, 304) or (self.record and self.record["method"] == "HEAD"):
                self.state = "head"
            elif "chunked" in headers.get("transfer-encoding", "").lower():
                self.state = "chunk-size"
            elif "content-length" in headers:
                self.remaining = int(headers["content-length"])
                self.state = "length" if self.remaining else "head"
            else:
                self.state = "until-close"
            return True
        if self.state == "chunk-size":
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return False
            size = int(self.buffer[:end].split(b";")[0], 16)
            self.buffer = self.buffer[end + 2:]
            self.remaining = size
            self.state = "chunk-data" if size else "trailer"
            return True
        if self.state in ("chunk-data", "length"):
            if not self.buffer:
                return False
            taken, self.buffer = self.buffer[:self.remaining], self.buffer[self.remaining:]
            self.body(taken)
            self.remaining -= len(taken)
            if self.remaining == 0:
                self.state = "chunk-crlf" if self.state == "chunk-data" else "head"
            return True
        if self.state == "chunk-crlf":
            if len(self.buffer) < 2:
                return False
            self.buffer = self.buffer[2:]
            self.state = "chunk-size"
            return True
        if self.state == "trailer":
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return False
            line, self.buffer = self.buffer[:end], self.buffer[end + 2:]
            if not line:
                self.state = "head"
            return True
        if self.state == "until-close":
            self.body(self.buffer)
            self.buffer = b""
            return False
        return False


def sse_events(body):
    """The complete SSE events of a body, as dicts {id, data}, and comments/retry lines skipped."""
    events = []
    for block in body.decode("utf-8", "replace").split("\n\n")[:-1]:
        event = {}
        for line in block.split("\n"):
            name, _, value = line.partition(": ")
            if name in ("id", "data"):
                event[name] = value
        if "data" in event:
            events.append(event)
    return events


class Proxy:
    """A loopback TCP proxy (asyncio, in its own thread) that logs each HTTP request and the status,
    headers and body of its response, and can cut one EventSource response once after some chunks."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.requests = []
        self.cut_after = None
        self.connections = 0

    def start(self):
        self.thread.start()
        server = self.call(asyncio.start_server(self.handle, "127.0.0.1", 0))
        self.server = server
        self.port = server.sockets[0].getsockname()[1]

    def call(self, coroutine, timeout=10):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self):
        async def close():
            self.server.close()
        try:
            self.call(close())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)

    def arm_cut(self, after_messages):
        """The next EventSource response is cut (both sockets reset) once it carried this many chunks."""
        async def arm():
            self.cut_after = after_messages
        self.call(arm())

    def snapshot(self):
        """A copy of every request so far, each with `events` (the complete SSE events of its response)."""
        async def take():
            return copy.deepcopy(self.requests)
        requests = self.call(take())
        for request in requests:
            request["events"] = sse_events(request["body"]) if request["method"] == "GET" else []
        return requests

    def event_source_requests(self, stream_id):
        return [r for r in self.snapshot() if r["method"] == "GET" and r["path"] == STREAM_PATH + stream_id]

    async def handle(self, client_reader, client_writer):
        self.connections += 1
        connection = self.connections
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.transport.abort()
            return
        pending = collections.deque()
        parser = ResponseParser(pending)

        def abort_both():
            client_writer.transport.abort()
            upstream_writer.transport.abort()

        async def requests():
            try:
                while True:
                    head = await client_reader.readuntil(b"\r\n\r\n")
                    lines = head.decode("latin-1").split("\r\n")
                    method, target, _ = lines[0].split(" ", 2)
                    headers = {}
                    for line in lines[1:]:
                        if line:
                            name, _, value = line.partition(":")
                            headers[name.strip().lower()] = value.strip()
                    length = int(headers.get("content-length", "0"))
                    body = await client_reader.readexactly(length) if length else b""
                    path, _, query = target.partition("?")
                    record = {
                        "connection": connection, "method": method, "target": target, "path": path,
                        "query": query, "headers": headers, "time": time.monotonic(), "status": None,
                        "response_headers": {}, "body": b"", "cut": False,
                    }
                    self.requests.append(record)
                    pending.append(record)
                    upstream_writer.write(head + body)
                    await upstream_writer.drain()
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, OSError):
                pass
            upstream_writer.close()

        async def responses():
            try:
                while True:
                    data = await upstream_reader.read(65536)
                    if not data:
                        break
                    parser.feed(data)
                    client_writer.write(data)
                    await client_writer.drain()
                    record = parser.record
                    if (self.cut_after is not None and record is not None and record["method"] == "GET"
                            and record["path"].startswith(STREAM_PATH)
                            and sum("message" in e["data"] for e in sse_events(record["body"])) >= self.cut_after):
                        self.cut_after = None
                        record["cut"] = True
                        await asyncio.sleep(0.05)  # let the bytes reach the browser first
                        abort_both()
                        return
            except (ConnectionError, OSError):
                abort_both()
                return
            # The server closed: pass its close on after every byte (close, unlike abort, flushes).
            client_writer.close()

        await asyncio.gather(requests(), responses())


# MARK: - The browser


def make_driver(profile_dir):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,1000",
                     "--disable-gpu", "--no-first-run", "--disable-extensions", f"--user-data-dir={profile_dir}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


PAGE_STATE = """
const text = (id) => document.getElementById(id).textContent;
return {
  status: text('status'),
  id: text('stream-id'),
  chunks: [...document.querySelectorAll('#chunks li')].map((li) => [Number(li.dataset.index), li.textContent]),
  duplicates: text('duplicates'),
  connections: text('connections'),
  result: document.getElementById('result').hidden ? null : text('result'),
  error: document.getElementById('error').hidden ? null : text('error'),
  stored: localStorage.getItem('flowstreams.streamy.streamId'),
};
"""


class Page:
    def __init__(self, driver, base):
        self.driver = driver
        self.base = base

    def open(self):
        self.driver.get(self.base + "/")
        self.driver.execute_script("localStorage.clear()")
        self.driver.get(self.base + "/")

    def state(self):
        return self.driver.execute_script(PAGE_STATE)

    def start(self, count):
        from selenium.webdriver.common.by import By

        field = self.driver.find_element(By.ID, "count")
        field.clear()
        field.send_keys(str(count))
        self.driver.find_element(By.ID, "start").click()
        return wait_until(lambda: self.state()["stored"], 10, "the stream id in localStorage")

    def click(self, element_id):
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.ID, element_id).click()

    def wait_for_chunks(self, count, timeout=20):
        return wait_until(lambda: len(self.state()["chunks"]) >= count, timeout, f"{count} chunks on the page")

    def wait_for_end(self, timeout=30):
        def ended():
            state = self.state()
            return state if state["result"] is not None or state["error"] is not None else None
        return wait_until(ended, timeout, "the result or error on the page")

    def console(self):
        try:
            return [f"{e['level']} {e['message']}" for e in self.driver.get_log("browser")]
        except Exception:  # noqa: BLE001 – only diagnostics
            return []


def expect_whole_stream(state, count, stream_id):
    check(state["id"] == stream_id, f"the page shows stream {state['id']!r}, expected {stream_id!r}")
    indices = [index for index, _ in state["chunks"]]
    check(indices == list(range(count)), f"chunk indices on the page: {indices}, expected 0…{count - 1} once each, in order")
    texts = [text for _, text in state["chunks"]]
    expected_texts = [json.dumps({"count": i}, separators=(",", ":")) for i in range(count)]
    check(texts == expected_texts, f"chunk texts on the page: {texts}")
    check(state["duplicates"] == "0", f"the page counted {state['duplicates']} duplicate chunks")
    check(state["error"] is None, f"the page shows an error: {state['error']}")
    check(state["result"] == f"Result: done: {count}, streamed: {count} times", f"result on the page: {state['result']!r}")
    check(state["status"] == "done", f"status on the page: {state['status']!r}")


def expect_quiet(proxy, stream_id, seconds, since_count):
    """No further EventSource request for `seconds`."""
    time.sleep(seconds)
    later = proxy.event_source_requests(stream_id)
    check(len(later) == since_count,
          f"{len(later) - since_count} EventSource requests after the end: {[r['headers'] for r in later[since_count:]]}")


# MARK: - Tests


def test_reload(context):
    """X11: reload in the middle; the page reopens the stream from chunk 0 and shows every chunk once."""
    page, proxy = context["page"], context["proxy"]
    page.open()
    count = 30
    stream_id = page.start(count)
    page.wait_for_chunks(10)
    before = page.state()
    check(len(before["chunks"]) < count and before["result"] is None,
          f"the run ended before the reload ({len(before['chunks'])} chunks shown): not mid-stream")
    page.driver.refresh()
    after_reload = page.state()
    check(after_reload["stored"] == stream_id, "the stream id did not survive the reload in localStorage")
    state = page.wait_for_end()
    expect_whole_stream(state, count, stream_id)
    check(state["connections"] == "1", f"connections after the reload: {state['connections']}")

    requests = proxy.event_source_requests(stream_id)
    check(len(requests) == 2, f"{len(requests)} EventSource requests, expected 2 (before and after the reload)")
    for request in requests:
        check("last-event-id" not in request["headers"] and "lastEventId" not in request["query"],
              f"an EventSource request after a page load resumed instead of starting at chunk 0: {request['headers']}")
        check(request["status"] == 200, f"EventSource request answered {request['status']}")
    # The reloaded page got every chunk again from the server: the earlier ones replayed, the rest live.
    ids = [e.get("id") for e in requests[1]["events"]]
    check(ids == [str(i) for i in range(count + 1)], f"ids after the reload: {ids}")
    check(len(requests[0]["events"]) < count, "the first EventSource response was not cut short by the reload")

    # No script error, CSP violation or failed load on the way (the page loads only its own files).
    severe = [line for line in page.console() if line.startswith("SEVERE")]
    check(not severe, f"browser console errors: {severe}")

    screenshot = os.path.join(context["tmp"], "x11-after-reload.png")
    page.driver.save_screenshot(screenshot)
    print(f"  screenshot after the reload: {screenshot}")
    context["finished_id"] = stream_id
    return f"reloaded with {len(before['chunks'])} of {count} chunks shown"


def test_forced_reconnect(context):
    """X10: the connection drops mid-stream; EventSource reconnects by itself with Last-Event-ID."""
    page, proxy = context["page"], context["proxy"]
    page.open()
    count = 30
    proxy.arm_cut(5)
    stream_id = page.start(count)
    state = page.wait_for_end()
    expect_whole_stream(state, count, stream_id)
    check(state["connections"] == "2", f"the page counted {state['connections']} EventSource connections, expected 2")

    requests = proxy.event_source_requests(stream_id)
    check(len(requests) == 2, f"{len(requests)} EventSource requests, expected 2: {[r['headers'] for r in requests]}")
    first, second = requests
    check(first["cut"], "the proxy did not cut the first EventSource response")
    check("last-event-id" not in first["headers"], f"the first request carried Last-Event-ID: {first['headers']}")
    delivered = [e["id"] for e in first["events"] if "message" in e["data"]]
    check(len(delivered) >= 5 and len(delivered) < count, f"chunks before the cut: {delivered}")
    last = delivered[-1]
    check(second["headers"].get("last-event-id") == last,
          f"the reconnect carried Last-Event-ID {second['headers'].get('last-event-id')!r}, expected {last!r}")
    check(second["status"] == 200, f"the reconnect was answered {second['status']}")
    check(second["response_headers"].get("x-genkit-stream-offset") == str(int(last) + 1),
          f"x-genkit-stream-offset {second['response_headers'].get('x-genkit-stream-offset')!r}")
    resumed = [e.get("id") for e in second["events"]]
    check(resumed == [str(i) for i in range(int(last) + 1, count + 1)], f"ids after the reconnect: {resumed}")
    check(second["time"] - first["time"] < 10, "the reconnect took too long")

    # The page closes its EventSource at the terminal event: nothing more is requested.
    expect_quiet(proxy, stream_id, 3, len(requests))
    context["finished_id"] = stream_id
    return f"cut after chunk {last}"


RAW_EVENT_SOURCE = """
const id = arguments[0];
window.rawStream = { messages: [], errors: [], opens: 0 };
const source = new EventSource('/streamy/streams/' + encodeURIComponent(id));
window.rawSource = source;
source.onopen = () => { window.rawStream.opens += 1; };
source.onmessage = (event) => { window.rawStream.messages.push([event.lastEventId, event.data]); };
source.onerror = () => { window.rawStream.errors.push(source.readyState); };
"""


def test_stops_after_end(context):
    """X10: a bare EventSource (nobody calls close) reconnects after the server ends the response,
    with Last-Event-ID = C, gets 204, and stops for good."""
    page, proxy = context["page"], context["proxy"]
    stream_id = context.get("finished_id")
    if stream_id is None:
        page.open()
        stream_id = page.start(3)
        page.wait_for_end()
    page.open()  # an empty localStorage: the page itself opens no stream
    before = len(proxy.event_source_requests(stream_id))
    page.driver.execute_script(RAW_EVENT_SOURCE, stream_id)
    # CLOSED (2) after an error: the reconnect got 204.
    raw = wait_until(lambda: (r := page.driver.execute_script("return window.rawStream"))["errors"][-1:] == [2] and r,
                     15, "the bare EventSource to stop (readyState CLOSED)")
    ids = [index for index, _ in raw["messages"]]
    count = len(ids) - 1
    check(count > 0 and ids == [str(i) for i in range(count + 1)], f"ids the bare EventSource received: {ids}")
    check(json.loads(raw["messages"][-1][1]).get("result") is not None, f"last message: {raw['messages'][-1]}")

    requests = proxy.event_source_requests(stream_id)[before:]
    check(len(requests) == 2, f"{len(requests)} requests of the bare EventSource, expected 2: {[r['headers'] for r in requests]}")
    check(requests[0]["status"] == 200 and "last-event-id" not in requests[0]["headers"],
          f"first request: {requests[0]['status']} {requests[0]['headers']}")
    check(requests[1]["headers"].get("last-event-id") == str(count),
          f"the reconnect after the end carried Last-Event-ID {requests[1]['headers'].get('last-event-id')!r}, expected {count}")
    check(requests[1]["status"] == 204, f"the reconnect after the end was answered {requests[1]['status']}, expected 204")
    check(raw["opens"] == 1, f"the bare EventSource opened {raw['opens']} times")
    expect_quiet(proxy, stream_id, 3, before + 2)

    # The same question asked by hand, straight to the server.
    request = urllib.request.Request(f"http://127.0.0.1:{context['server'].port}{STREAM_PATH}{stream_id}",
                                     headers={"Last-Event-ID": str(count), "Accept": "text/event-stream"})
    with urllib.request.urlopen(request, timeout=10) as response:
        check(response.status == 204, f"a GET with Last-Event-ID = C answered {response.status}")
        check(response.read() == b"", "the 204 had a body")
    return f"C = {count}"


def test_stop_and_new(context):
    """The Stop button cancels the run (DELETE → CANCELLED on the page); New forgets the stream."""
    page, proxy = context["page"], context["proxy"]
    page.open()
    stream_id = page.start(30)
    page.wait_for_chunks(3)
    page.click("stop")
    state = page.wait_for_end()
    check(state["error"] == "CANCELLED: Stream cancelled.", f"error on the page after Stop: {state['error']!r}")
    check(state["status"] == "cancelled", f"status after Stop: {state['status']!r}")
    deletes = [r for r in proxy.snapshot() if r["method"] == "DELETE" and r["path"] == STREAM_PATH + stream_id]
    check(len(deletes) == 1 and deletes[0]["status"] == 202, f"DELETE requests: {[(r['status']) for r in deletes]}")
    indices = [index for index, _ in state["chunks"]]
    check(indices == list(range(len(indices))) and state["duplicates"] == "0", f"chunks before the cancel: {indices}")
    page.click("new")
    cleared = page.state()
    check(cleared["stored"] is None and cleared["chunks"] == [] and cleared["id"] == "none",
          f"after New: {cleared}")
    page.driver.refresh()
    reloaded = page.state()
    check(reloaded["status"] == "idle" and reloaded["chunks"] == [], f"after New and a reload: {reloaded}")
    return f"cancelled after {len(indices)} chunks"


def test_unknown_id(context):
    """A stored id the server does not know (expired, another server's): 404, EventSource stops."""
    page, proxy = context["page"], context["proxy"]
    page.open()
    stream_id = str(uuid.uuid4())
    page.driver.execute_script("localStorage.setItem('flowstreams.streamy.streamId', arguments[0])", stream_id)
    page.driver.refresh()
    state = wait_until(lambda: (s := page.state())["status"] == "not found" and s, 10, "the page to say 'not found'")
    check(state["id"] == stream_id and state["chunks"] == [], f"page after a 404: {state}")
    check(state["error"] is not None and "not available" in state["error"], f"error on the page: {state['error']!r}")
    requests = proxy.event_source_requests(stream_id)
    check(len(requests) == 1 and requests[0]["status"] == 404, f"requests: {[(r['status'], r['headers']) for r in requests]}")
    check(requests[0]["response_headers"].get("content-type") == "application/json",
          f"404 content type: {requests[0]['response_headers'].get('content-type')!r}")
    check(json.loads(requests[0]["body"]).get("status") == "NOT_FOUND", f"404 body: {requests[0]['body']!r}")
    expect_quiet(proxy, stream_id, 2.5, 1)
    return None


TESTS = [
    ("X11 a page reload mid-stream resumes and shows every chunk once", test_reload),
    ("X10 EventSource reconnects by itself after the connection is cut mid-stream and shows every chunk once",
     test_forced_reconnect),
    ("X10 after the terminal event EventSource stops: its reconnect carries Last-Event-ID = C and gets 204",
     test_stops_after_end),
    ("X10 a stored id the server does not know: the GET answers 404 JSON and EventSource stops", test_unknown_id),
    ("X8 the page's Stop button cancels the run and New forgets it", test_stop_and_new),
]


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "--skip":
        reason = " ".join(sys.argv[2:]) or "no browser"
        for name, _ in TESTS:
            print(f'➜ Test "{name}" skipped: "{reason}"')
        return 0

    tmp = tempfile.mkdtemp(prefix="flowstreams-browser-")
    context = {"tmp": tmp}
    server = SampleServer(tmp)
    proxy = None
    driver = None
    passed = failed = 0
    try:
        try:
            server.start()
            proxy = Proxy(server.port)
            proxy.start()
            driver = make_driver(os.path.join(tmp, "chromium-profile"))
            driver.set_page_load_timeout(30)
        except Exception as error:  # noqa: BLE001 – every test fails the same way
            for name, _ in TESTS:
                print(f'✘ Test "{name}" failed after 0.000 seconds: the setup failed: {error}')
            traceback.print_exc()
            return 1
        context.update(server=server, proxy=proxy, page=Page(driver, f"http://127.0.0.1:{proxy.port}"))
        print(f"browser tests: server on port {server.port}, page through proxy on port {proxy.port}, files in {tmp}")
        for name, test in TESTS:
            print(f'◇ Test "{name}" started.', flush=True)
            start = time.monotonic()
            try:
                note = test(context)
                elapsed = time.monotonic() - start
                print(f'✔ Test "{name}" passed after {elapsed:.3f} seconds.' + (f" ({note})" if note else ""), flush=True)
                passed += 1
            except Exception as error:  # noqa: BLE001 – report and go on
                elapsed = time.monotonic() - start
                print(f'✘ Test "{name}" failed after {elapsed:.3f} seconds: {error}', flush=True)
                if not isinstance(error, TestFailure):
                    traceback.print_exc()
                try:
                    print(f"  page state: {context['page'].state()}")
                except Exception:  # noqa: BLE001
                    pass
                for line in context["page"].console()[-20:]:
                    print(f"  console: {line}")
                path = os.path.join(tmp, f"failure-{passed + failed + 1}.png")
                try:
                    driver.save_screenshot(path)
                    print(f"  screenshot: {path}")
                except Exception:  # noqa: BLE001
                    pass
                failed += 1
    finally:
        if driver is not None:
            driver.quit()
            shutil.rmtree(os.path.join(tmp, "chromium-profile"), ignore_errors=True)
        if proxy is not None:
            proxy.stop()
        server.stop()
    if failed:
        print(f"  server log: {server.log_path}")
    print(f"browser: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
