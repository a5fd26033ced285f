#!/usr/bin/env python3
"""Browser tests of the sample app's chat page and its client module `flowstreams.js`
(docs/CONFORMANCE.md X8, X10, X11) in headless Chromium.

Starts a loopback chat-completions API (`FakeModel`: OpenAI's streaming format, one token every
TOKEN_DELAY seconds, and a record of whether each request's connection was closed early), the built
sample server (`.build/debug/durable-streaming`, or $FLOWSTREAMS_SERVER) on a free port with
OPENAI_BASE_URL pointing at it, and a small TCP proxy in front of the server; the browser loads the
page through the proxy, which logs every request and response (so the tests can see what EventSource
sent) and can cut the EventSource connection once, mid-stream, the way a server or network drops it.
Screenshots of the page after a reload mid-answer are saved in the temporary folder it prints.

A plain script (only selenium needed). Prints one line per test in swift-testing's format, so
`scripts/test` counts them, then `browser: N passed, N failed`; exits non-zero on any failure.

    python3 BrowserTests/test_browser.py            # run every test
    python3 BrowserTests/test_browser.py --skip WHY # print each test as skipped (no browser here)
"""

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

from fake_model import FakeModel, tokens
from proxy import Proxy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.environ.get("FLOWSTREAMS_SERVER", os.path.join(ROOT, ".build", "debug", "durable-streaming"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHUNK_DELAY_MS = 150


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

    def __init__(self, log_dir, model_base_url):
        self.log_path = os.path.join(log_dir, "server.log")
        self.process = None
        self.port = None
        self.environment = dict(os.environ, OPENAI_BASE_URL=model_base_url, OPENAI_API_KEY="sk-browser-test",
                                OPENAI_MODEL="fake-model", PORT="", HOST="", FLOWSTREAMS_STORE="", LOG_LEVEL="")

    def start(self):
        if not os.access(SERVER, os.X_OK):
            raise TestFailure(f"no server binary at {SERVER} (run `swift build` first)")
        arguments = [SERVER, "serve", "--host", "127.0.0.1", "--port", "0", "--chunk-delay-ms", str(CHUNK_DELAY_MS)]
        help_text = subprocess.run([SERVER, "serve", "--help"], capture_output=True, text=True, timeout=30).stdout
        if "--store" in help_text:
            arguments += ["--store", "memory"]
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=self.log, text=True, env=self.environment)
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
const answers = [...document.querySelectorAll('#transcript li.assistant')];
const last = answers.at(-1);
let stored = null;
try { stored = JSON.parse(localStorage.getItem('flowstreams.page')); } catch (_) {}
const storedAnswer = (stored?.turns ?? []).filter((turn) => turn.role === 'assistant').at(-1);
return {
  status: text('status'),
  id: text('stream-id'),
  chunks: last ? [...last.querySelectorAll('.token')].map((span) => [Number(span.dataset.index), span.textContent]) : [],
  answer: last ? last.querySelector('.answer').textContent : null,
  meta: last ? last.querySelector('.meta').textContent : null,
  state: last ? last.querySelector('.meta').dataset.state : null,
  outcome: last?.querySelector('.outcome')?.textContent ?? null,
  outcomeKind: last?.querySelector('.outcome')?.classList[1] ?? null,
  turns: [...document.querySelectorAll('#transcript li')].map((li) =>
    [li.classList.contains('user') ? 'user' : 'assistant', li.querySelector('.text, .answer').textContent]),
  duplicates: text('duplicates'),
  connections: text('connections'),
  progress: text('progress'),
  prompt: document.getElementById('prompt').value,
  flow: document.querySelector('input[name="flow"]:checked').value,
  stopDisabled: document.getElementById('stop').disabled,
  stored: storedAnswer?.streamId ?? null,
  storedStatus: storedAnswer?.status ?? null,
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

    def element(self, element_id):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.ID, element_id)

    def choose(self, flow):
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.CSS_SELECTOR, f'input[name="flow"][value="{flow}"]').click()

    def ask(self, text):
        """Sends a chat message; returns the answer's stream id once the page stored it."""
        self.choose("chat")
        field = self.element("prompt")
        field.clear()
        field.send_keys(text)
        self.element("send").click()
        return wait_until(lambda: self.state()["stored"], 10, "the answer's stream id in localStorage")

    def start(self, count):
        """Starts streamy with `count` chunks; returns the stream id once the page stored it."""
        self.choose("streamy")
        field = self.element("count")
        field.clear()
        field.send_keys(str(count))
        self.element("send").click()
        return wait_until(lambda: self.state()["stored"], 10, "the stream id in localStorage")

    def click(self, element_id):
        self.element(element_id).click()

    def wait_for_chunks(self, count, timeout=20):
        def enough():
            state = self.state()
            return state if len(state["chunks"]) >= count else None
        return wait_until(enough, timeout, f"{count} chunks on the page")

    def wait_for_end(self, timeout=30):
        def ended():
            state = self.state()
            return state if state["state"] in ("done", "failed", "cancelled") else None
        return wait_until(ended, timeout, "the answer to end on the page")

    def console(self):
        try:
            return [f"{e['level']} {e['message']}" for e in self.driver.get_log("browser")]
        except Exception:  # noqa: BLE001 – only diagnostics
            return []

    def screenshot(self, context, name):
        path = os.path.join(context["tmp"], name)
        self.driver.save_screenshot(path)
        print(f"  screenshot: {path}")
        return path


def expect_whole_counter(state, count, stream_id):
    check(state["id"] == stream_id, f"the page shows stream {state['id']!r}, expected {stream_id!r}")
    indices = [index for index, _ in state["chunks"]]
    check(indices == list(range(count)), f"chunk indices on the page: {indices}, expected 0…{count - 1} once each, in order")
    texts = [text for _, text in state["chunks"]]
    check(texts == [str(i) for i in range(count)], f"chunk texts on the page: {texts}")
    check(state["duplicates"] == "0", f"the page dropped {state['duplicates']} duplicate chunks")
    check(state["outcome"] == f"done: {count}, streamed: {count} times", f"result on the page: {state['outcome']!r}")
    check(state["state"] == "done" and state["meta"] == f"Done · {count} of {count}", f"status line: {state['meta']!r}")


def expect_whole_answer(state, count, stream_id):
    check(state["id"] == stream_id, f"the page shows stream {state['id']!r}, expected {stream_id!r}")
    indices = [index for index, _ in state["chunks"]]
    check(indices == list(range(count)), f"token indices on the page: {indices}, expected 0…{count - 1} once each, in order")
    check([text for _, text in state["chunks"]] == tokens(count), f"tokens on the page: {state['chunks']}")
    check(state["answer"] == "".join(tokens(count)), f"answer text on the page: {state['answer']!r}")
    check(state["duplicates"] == "0", f"the page dropped {state['duplicates']} duplicate chunks")
    check(state["state"] == "done" and state["meta"] == f"Done · {count} chunks", f"status line: {state['meta']!r}")
    check(state["outcome"] is None, f"an outcome line under a finished chat answer: {state['outcome']!r}")


def expect_quiet(proxy, stream_id, seconds, since_count):
    """No further EventSource request for `seconds`."""
    time.sleep(seconds)
    later = proxy.event_source_requests(stream_id)
    check(len(later) == since_count,
          f"{len(later) - since_count} EventSource requests after the end: {[r['headers'] for r in later[since_count:]]}")


def expect_no_console_errors(page):
    """No script error, CSP violation or failed load on the way (the page loads only its own files)."""
    severe = [line for line in page.console() if line.startswith("SEVERE")]
    check(not severe, f"browser console errors: {severe}")


# MARK: - Tests


def test_chat_reload(context):
    """X11 on the chat: reload mid-answer; the page reads the answer again and shows every token once."""
    page, proxy, model = context["page"], context["proxy"], context["model"]
    page.open()
    count = 60
    stream_id = page.ask(f"Write {count} words, please.")
    page.wait_for_chunks(12)
    before = page.state()
    check(len(before["chunks"]) < count and before["state"] == "streaming",
          f"the answer ended before the reload ({len(before['chunks'])} tokens shown): not mid-answer")
    check(before["meta"].startswith("Answering… ") and before["meta"].endswith(" chunks"),
          f"progress while answering: {before['meta']!r}")
    page.driver.refresh()
    resumed = page.wait_for_chunks(len(before["chunks"]), 10)
    check(resumed["stored"] == stream_id, "the stream id did not survive the reload in localStorage")
    check(resumed["turns"][0] == ["user", f"Write {count} words, please."], f"the question after the reload: {resumed['turns']}")
    mid = page.state()
    shot = page.screenshot(context, "chat-after-reload-mid-answer.png")
    check(mid["state"] in ("streaming", "connecting") and len(mid["chunks"]) < count,
          f"the screenshot {shot} was not taken mid-answer: {mid['meta']!r}, {len(mid['chunks'])} tokens")
    state = page.wait_for_end()
    expect_whole_answer(state, count, stream_id)
    page.screenshot(context, "chat-after-reload-finished.png")

    requests = proxy.event_source_requests(stream_id)
    check(len(requests) == 2, f"{len(requests)} EventSource requests, expected 2 (before and after the reload)")
    for request in requests:
        check("last-event-id" not in request["headers"] and "lastEventId" not in request["query"],
              f"an EventSource request after a page load resumed instead of starting at chunk 0: {request['headers']}")
    calls = model.snapshot()
    check(len(calls) == 1 and calls[0]["complete"] and not calls[0]["closed_early"],
          f"the model API was asked {len(calls)} times: {calls}")
    check(calls[0]["messages"] == [{"role": "user", "content": f"Write {count} words, please."}], f"messages: {calls[0]['messages']}")
    expect_no_console_errors(page)
    return f"reloaded with {len(before['chunks'])} of {count} tokens shown; screenshot {shot}"


def test_chat_stop(context):
    """X8 on the chat: Stop cancels the run, and the server closes its request to the model API."""
    page, proxy, model = context["page"], context["proxy"], context["model"]
    page.open()
    calls_before = len(model.snapshot())
    stream_id = page.ask("Write 200 words.")
    page.wait_for_chunks(5)
    page.click("stop")
    stopped = time.monotonic()
    state = page.wait_for_end()
    check(state["state"] == "cancelled", f"status after Stop: {state['meta']!r}")
    check(state["outcome"] == "CANCELLED: Stream cancelled.", f"outcome after Stop: {state['outcome']!r}")
    deletes = [r for r in proxy.snapshot() if r["method"] == "DELETE" and r["path"] == "/chat/streams/" + stream_id]
    check(len(deletes) == 1 and deletes[0]["status"] == 202, f"DELETE requests: {[r['status'] for r in deletes]}")
    call = wait_until(lambda: (c := model.snapshot()[calls_before:]) and c[0]["closed_early"] and c[0], 5,
                      "the model API to see its connection closed")
    check(call["closed_at"] - stopped < 3, f"the model request was closed {call['closed_at'] - stopped:.1f} s after Stop")
    check(call["sent"] < call["count"], f"the model sent all {call['sent']} tokens")
    page.screenshot(context, "chat-stopped.png")
    indices = [index for index, _ in state["chunks"]]
    check(indices == list(range(len(indices))) and state["duplicates"] == "0", f"tokens before the stop: {indices}")
    page.driver.refresh()
    after = page.state()
    check(after["state"] == "cancelled" and after["answer"] == "".join(tokens(len(indices))),
          f"after a reload the stopped answer shows {after['answer']!r} ({after['meta']!r})")
    return f"stopped after {len(indices)} tokens; the model had sent {call['sent']} of {call['count']}"


def test_chat_keeps_input(context):
    """The page keeps a draft, the chosen flow and the conversation across reloads; a second question
    sends the first answer along."""
    page, model = context["page"], context["model"]
    page.open()
    stream_id = page.ask("Say 3 words.")
    first = page.wait_for_end()
    expect_whole_answer(first, 3, stream_id)
    page.element("prompt").send_keys("a draft, not sent")
    page.driver.refresh()
    state = page.state()
    check(state["prompt"] == "a draft, not sent", f"the draft after a reload: {state['prompt']!r}")
    check(state["turns"] == [["user", "Say 3 words."], ["assistant", "".join(tokens(3))]], f"turns after a reload: {state['turns']}")
    page.ask("Now 2 more.")
    page.wait_for_end()
    check(model.snapshot()[-1]["messages"] == [
        {"role": "user", "content": "Say 3 words."}, {"role": "assistant", "content": "".join(tokens(3))},
        {"role": "user", "content": "Now 2 more."}], f"the second question's messages: {model.snapshot()[-1]['messages']}")
    page.choose("streamy")
    page.driver.refresh()
    check(page.state()["flow"] == "streamy", "the chosen flow did not survive a reload")
    page.click("docs-link")
    wait_until(lambda: "docs" in page.driver.title, 10, "the docs page")
    page.screenshot(context, "docs.png")
    check("flowstreams.js" in page.driver.page_source, "the docs page does not describe flowstreams.js")
    return None


def test_reload(context):
    """X11: reload in the middle of streamy; the page reopens the stream from chunk 0 and shows every chunk once."""
    page, proxy = context["page"], context["proxy"]
    page.open()
    count = 30
    stream_id = page.start(count)
    page.wait_for_chunks(10)
    before = page.state()
    check(len(before["chunks"]) < count and before["state"] != "done",
          f"the run ended before the reload ({len(before['chunks'])} chunks shown): not mid-stream")
    check(re.fullmatch(rf"Answering… \d+ of {count}", before["meta"]), f"progress: {before['meta']!r}")
    page.driver.refresh()
    after_reload = page.state()
    check(after_reload["stored"] == stream_id, "the stream id did not survive the reload in localStorage")
    state = page.wait_for_end()
    expect_whole_counter(state, count, stream_id)
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
    expect_no_console_errors(page)
    page.screenshot(context, "x11-after-reload.png")
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
    expect_whole_counter(state, count, stream_id)
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
    request = urllib.request.Request(f"http://127.0.0.1:{context['server'].port}/streamy/streams/{stream_id}",
                                     headers={"Last-Event-ID": str(count), "Accept": "text/event-stream"})
    with urllib.request.urlopen(request, timeout=10) as response:
        check(response.status == 204, f"a GET with Last-Event-ID = C answered {response.status}")
        check(response.read() == b"", "the 204 had a body")
    return f"C = {count}"


def test_stop_and_new(context):
    """X8: the Stop button cancels the run (DELETE → CANCELLED on the page); New chat forgets it."""
    page, proxy = context["page"], context["proxy"]
    page.open()
    stream_id = page.start(30)
    page.wait_for_chunks(3)
    page.click("stop")
    state = page.wait_for_end()
    check(state["outcome"] == "CANCELLED: Stream cancelled.", f"outcome after Stop: {state['outcome']!r}")
    check(state["state"] == "cancelled" and re.fullmatch(r"Stopped after \d+ of 30", state["meta"]),
          f"status after Stop: {state['meta']!r}")
    deletes = [r for r in proxy.snapshot() if r["method"] == "DELETE" and r["path"] == "/streamy/streams/" + stream_id]
    check(len(deletes) == 1 and deletes[0]["status"] == 202, f"DELETE requests: {[(r['status']) for r in deletes]}")
    indices = [index for index, _ in state["chunks"]]
    check(indices == list(range(len(indices))) and state["duplicates"] == "0", f"chunks before the cancel: {indices}")
    page.click("new")
    cleared = page.state()
    check(cleared["stored"] is None and cleared["turns"] == [] and cleared["id"] == "none", f"after New chat: {cleared}")
    page.driver.refresh()
    reloaded = page.state()
    check(reloaded["turns"] == [] and reloaded["chunks"] == [], f"after New chat and a reload: {reloaded}")
    return f"cancelled after {len(indices)} chunks"


def test_unknown_id(context):
    """A stored id the server does not know (expired, another server's): 404, EventSource stops."""
    page, proxy = context["page"], context["proxy"]
    page.open()
    stream_id = str(uuid.uuid4())
    stored = {"flow": "streamy", "drafts": {"chat": "", "streamy": "5"}, "turns": [
        {"role": "user", "flow": "streamy", "text": "Count to 5."},
        {"role": "assistant", "flow": "streamy", "status": "streaming", "streamId": stream_id, "total": 5}]}
    page.driver.execute_script("localStorage.setItem('flowstreams.page', arguments[0])", json.dumps(stored))
    page.driver.refresh()
    state = wait_until(lambda: (s := page.state())["state"] == "failed" and s, 10, "the page to say the stream failed")
    check(state["id"] == stream_id and state["chunks"] == [], f"page after a 404: {state}")
    check(state["outcome"] == "NOT_FOUND: Stream not found (unknown or expired id).", f"error on the page: {state['outcome']!r}")
    requests = proxy.event_source_requests(stream_id)
    check(len(requests) == 1 and requests[0]["status"] == 404, f"requests: {[(r['status'], r['headers']) for r in requests]}")
    check(requests[0]["response_headers"].get("content-type") == "application/json",
          f"404 content type: {requests[0]['response_headers'].get('content-type')!r}")
    check(json.loads(requests[0]["body"]).get("status") == "NOT_FOUND", f"404 body: {requests[0]['body']!r}")
    expect_quiet(proxy, stream_id, 2.5, 1)
    return None


TESTS = [
    ("X11 the chat page: a reload mid-answer reads the answer again and shows every token once", test_chat_reload),
    ("X8 the chat page: Stop cancels the run and the server closes its model API request", test_chat_stop),
    ("the chat page keeps the draft, the flow and the conversation across reloads, and links to the docs",
     test_chat_keeps_input),
    ("X11 a page reload mid-stream resumes and shows every chunk once", test_reload),
    ("X10 EventSource reconnects by itself after the connection is cut mid-stream and shows every chunk once",
     test_forced_reconnect),
    ("X10 after the terminal event EventSource stops: its reconnect carries Last-Event-ID = C and gets 204",
     test_stops_after_end),
    ("X10 a stored id the server does not know: the GET answers 404 JSON and EventSource stops", test_unknown_id),
    ("X8 the page's Stop button cancels the run and New chat forgets it", test_stop_and_new),
]


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "--skip":
        reason = " ".join(sys.argv[2:]) or "no browser"
        for name, _ in TESTS:
            print(f'➜ Test "{name}" skipped: "{reason}"')
        return 0

    tmp = tempfile.mkdtemp(prefix="flowstreams-browser-")
    context = {"tmp": tmp}
    model = FakeModel()
    model.start()
    server = SampleServer(tmp, model.base_url)
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
        context.update(server=server, proxy=proxy, model=model, page=Page(driver, f"http://127.0.0.1:{proxy.port}"))
        print(f"browser tests: server on port {server.port}, page through proxy on port {proxy.port}, "
              f"model API on port {model.port}, files in {tmp}")
        selected = sys.argv[1:]
        for name, test in TESTS:
            if selected and not any(word in name for word in selected):
                continue
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
        model.stop()
    if failed:
        print(f"  server log: {server.log_path}")
    print(f"browser: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
