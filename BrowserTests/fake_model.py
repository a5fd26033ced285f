"""A loopback chat-completions API for the browser tests (see test_browser.py)."""

import copy
import json
import re
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN_DELAY = 0.1

class FakeModel:
    """A loopback chat-completions API that streams as OpenAI does (`Transfer-Encoding: chunked`, a role
    delta, content deltas `tok0 `, `tok1 `, ... one every TOKEN_DELAY s, `finish_reason`, `data: [DONE]`).
    The answer has as many tokens as the first number in the last message says (default 20).

    `requests` records each call: its messages, how many tokens were sent, and whether the client closed
    the connection before the answer was complete (`closed_early`, with the time)."""

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        model = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                messages = body.get("messages", [])
                numbers = re.findall(r"\d+", messages[-1]["content"] if messages else "")
                count = int(numbers[0]) if numbers else 20
                record = {"messages": messages, "sent": 0, "count": count, "closed_early": False,
                          "closed_at": None, "complete": False, "started": time.monotonic()}
                with model.lock:
                    model.requests.append(record)
                model.answer(self, record)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    def start(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()

    def snapshot(self):
        with self.lock:
            return copy.deepcopy(self.requests)

    @staticmethod
    def chunk(choice):
        return json.dumps({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1700000000,
                           "model": "fake-model", "choices": [choice]}, separators=(",", ":"))

    def answer(self, handler, record):
        def send(text):
            data = text.encode()
            handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            handler.wfile.flush()

        def peer_closed():
            readable, _, _ = select.select([handler.connection], [], [], 0)
            return bool(readable) and handler.connection.recv(1, socket.MSG_PEEK) == b""

        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/event-stream; charset=utf-8")
            handler.send_header("Transfer-Encoding", "chunked")
            handler.send_header("Connection", "close")
            handler.end_headers()
            send("data: " + self.chunk({"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}) + "\n\n")
            for index in range(record["count"]):
                deadline = time.monotonic() + TOKEN_DELAY
                while time.monotonic() < deadline:
                    if peer_closed():
                        raise ConnectionResetError("closed by the client")
                    time.sleep(0.01)
                send("data: " + self.chunk({"index": 0, "delta": {"content": f"tok{index} "}, "finish_reason": None}) + "\n\n")
                with self.lock:
                    record["sent"] = index + 1
            send("data: " + self.chunk({"index": 0, "delta": {}, "finish_reason": "stop"}) + "\n\n")
            send("data: [DONE]\n\n")
            send("")
            with self.lock:
                record["complete"] = True
        except (ConnectionError, OSError):
            with self.lock:
                record["closed_early"] = True
                record["closed_at"] = time.monotonic()
        handler.close_connection = True


def tokens(count):
    return [f"tok{i} " for i in range(count)]
