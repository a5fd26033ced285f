"""A logging, cutting TCP proxy between the browser and the sample server (see test_browser.py)."""

import asyncio
import collections
import copy
import threading
import time

STREAMS = "/streams/"

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
        return [r for r in self.snapshot() if r["method"] == "GET" and r["path"].endswith(STREAMS + stream_id)]

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
                            and STREAMS in record["path"]
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
