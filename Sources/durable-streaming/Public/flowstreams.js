// FlowStreams' browser client: a small, dependency-free ES module. Copy it into your app, or load it
// from a FlowStreams sample server at /flowstreams.js.
//
//   import { streamFlow } from './flowstreams.js';
//
//   const run = streamFlow({
//     url: '/chat',
//     input: { messages: [{ role: 'user', content: 'Why is the sky blue?' }] },
//     onStreamId: (id) => localStorage.setItem('answer', id),   // keep it to resume after a reload
//     onChunk: (delta, index) => output.append(delta),
//   });
//   const answer = await run.output;          // rejects with a FlowError
//   await run.cancel();                        // DELETE: stops the run on the server
//
//   // After a reload: the same stream again, every chunk from the first (or after `lastEventId`).
//   streamFlow({ url: '/chat', streamId: localStorage.getItem('answer'), onChunk });
//
// How it works: one POST starts the durable run and returns its stream id in the
// `x-genkit-stream-id` header; the module then reads the stream with the browser's EventSource on
// `GET <url>/streams/<id>`, which reconnects by itself after a network drop and sends Last-Event-ID,
// so the server continues after the last chunk received. Chunk indices are checked as well, so each
// chunk reaches `onChunk` exactly once and in order. On a route without a stream manager (no id)
// it reads the POST's own answer instead, without resume.

// A page being left (a reload, a navigation) closes its EventSources and aborts its fetches, with
// errors that are no failure of the run. So a network failure is reported only a moment later, which
// never comes on a page that is gone, and not after `pagehide`; nothing the caller stores is overwritten.
const FAILURE_DELAY_MS = 250;
let leaving = false;
if (typeof window !== 'undefined') {
  window.addEventListener('pagehide', () => { leaving = true; });
  window.addEventListener('pageshow', () => { leaving = false; });
}

/** An error the run ended with, or the refusal of a request: a Genkit status name and a message. */
export class FlowError extends Error {
  constructor(status, message, details) {
    super(`${status}: ${message}`);
    this.name = 'FlowError';
    /** The status name, such as `INVALID_ARGUMENT`, `CANCELLED` or `NOT_FOUND`. */
    this.status = status;
    /** The message the server sent, without the status. */
    this.reason = message;
    /** The error's `details` JSON, if the server sent any. */
    this.details = details;
  }
}

/**
 * Starts a durable run of the flow at `url` (or reads stream `streamId`) and delivers its chunks.
 *
 * @param {object} options
 * @param {string} options.url The flow's URL, such as `/chat` (same origin, or one CORS allows).
 * @param {*} [options.input] The flow's input, sent as `{"data": input}`; ignored with `streamId`.
 * @param {string} [options.streamId] Read this stream instead of starting a run.
 * @param {number} [options.lastEventId] With `streamId`: the index of the last chunk you already
 *   have; delivery starts after it. Defaults to -1 (from the first chunk).
 * @param {(chunk: *, index: number) => void} [options.onChunk] Each chunk, once, in order.
 * @param {(id: string) => void} [options.onStreamId] The stream id, as soon as the server sends it.
 * @param {(state: string) => void} [options.onState] `starting`, `connecting`, `streaming`,
 *   `reconnecting`, then `done`, `failed` or `cancelled`.
 * @param {Object<string, string>} [options.headers] Extra headers for the POST (EventSource
 *   cannot send headers: authenticate the GET with a cookie).
 * @returns {FlowRun}
 */
export function streamFlow(options) {
  return new FlowRun(options);
}

/** One run being read. Returned by {@link streamFlow}. */
export class FlowRun {
  #options;
  #source = null;
  #abort = new AbortController();
  #lastIndex;
  #finished = false;
  #resolveId;
  #rejectId;
  #resolveOutput;
  #rejectOutput;

  constructor(options) {
    if (!options || typeof options.url !== 'string') throw new TypeError('streamFlow needs a url');
    this.#options = options;
    this.#lastIndex = options.streamId != null && Number.isInteger(options.lastEventId) ? options.lastEventId : -1;
    /** How many times the stream's EventSource connected (1 without any reconnect). */
    this.connections = 0;
    /** Chunks the server sent again and this module dropped (0 unless something went wrong). */
    this.duplicates = 0;
    /** Resolves with the stream id (at once with `streamId`). */
    this.streamId = new Promise((resolve, reject) => { this.#resolveId = resolve; this.#rejectId = reject; });
    /** Resolves with the flow's output; rejects with a {@link FlowError}. */
    this.output = new Promise((resolve, reject) => { this.#resolveOutput = resolve; this.#rejectOutput = reject; });
    // Handled here too, so a caller that awaits only the chunks leaves no "uncaught" rejection.
    this.streamId.catch(() => {});
    this.output.catch(() => {});
    this.#start().catch((error) => {
      if (error instanceof FlowError) this.#fail(error);
      else this.#failSoon(new FlowError('UNAVAILABLE', `Could not start the run: ${error.message}`));
    });
  }

  /** The index of the last chunk delivered (-1 before the first): keep it to resume with `lastEventId`. */
  get lastEventId() { return this.#lastIndex; }

  /**
   * Cancels the run on the server (`DELETE <url>/streams/<id>`); the stream then ends `CANCELLED`
   * for every reader.
   * @returns {Promise<string>} `cancelled`, `already finished`, or `not found`.
   */
  async cancel() {
    const id = await this.streamId;
    const response = await fetch(this.#streamURL(id), { method: 'DELETE' });
    if (response.status === 202) return 'cancelled';
    if (response.status === 204) return 'already finished';
    if (response.status === 404) return 'not found';
    throw await errorFrom(response);
  }

  /** Stops reading; the run goes on on the server (read it again with its stream id). */
  close() {
    if (this.#finished) return;
    this.#finished = true;
    this.#source?.close();
    this.#abort.abort();
    const error = new FlowError('CANCELLED', 'Reading stopped by the caller; the run goes on.');
    this.#rejectId(error);
    this.#rejectOutput(error);
  }

  async #start() {
    const { url, input, streamId, headers } = this.#options;
    if (streamId != null) {
      this.#gotStreamId(String(streamId));
      this.#open();
      return;
    }
    this.#state('starting');
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ data: input === undefined ? null : input }),
      signal: this.#abort.signal,
    });
    if (!response.ok) throw await errorFrom(response);
    const id = response.headers.get('x-genkit-stream-id');
    if (!id) {
      await this.#readPlain(response);  // no stream manager on this route: nothing to resume
      return;
    }
    // The run is durable and detached from this request: stop reading it here, EventSource reads it.
    this.#abort.abort();
    this.#abort = new AbortController();
    this.#gotStreamId(id);
    this.#open();
  }

  #gotStreamId(id) {
    this.#resolveId(id);
    this.#options.onStreamId?.(id);
  }

  #streamURL(id) {
    return `${this.#options.url}/streams/${encodeURIComponent(id)}`;
  }

  /** Reads the stream with EventSource, after the last chunk delivered. */
  async #open() {
    if (this.#finished) return;
    const id = await this.streamId;
    const after = this.#lastIndex >= 0 ? `?lastEventId=${this.#lastIndex}` : '';
    const source = new EventSource(this.#streamURL(id) + after);
    this.#source = source;
    this.#state('connecting');
    source.onopen = () => {
      this.connections += 1;
      this.#state('streaming');
    };
    source.onmessage = (event) => this.#frame(event.data, event.lastEventId);
    source.onerror = () => {
      if (this.#finished || leaving) return;
      if (source.readyState === EventSource.CLOSED) {
        // 404 (unknown, expired, another user's) or 204: EventSource gives up.
        this.#failSoon(new FlowError('NOT_FOUND', 'Stream not found (unknown or expired id).'));
      } else {
        this.#state('reconnecting');  // EventSource retries by itself, with Last-Event-ID
      }
    };
  }

  /** One `data:` frame: a chunk (delivered once), or the terminal result or error. */
  #frame(data, eventId) {
    if (this.#finished) return;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch (_) {
      this.#fail(new FlowError('INTERNAL', 'The server sent a frame that is not JSON.'));
      return;
    }
    if (frame !== null && typeof frame === 'object' && 'message' in frame) {
      const index = eventId === '' || eventId == null ? this.#lastIndex + 1 : Number(eventId);
      if (!Number.isInteger(index) || index <= this.#lastIndex) {
        this.duplicates += 1;
        return;
      }
      this.#lastIndex = index;
      this.#options.onChunk?.(frame.message, index);
      return;
    }
    if (frame !== null && typeof frame === 'object' && 'result' in frame) {
      this.#end();
      this.#state('done');
      this.#resolveOutput(frame.result);
      return;
    }
    const error = frame?.error ?? {};
    this.#fail(new FlowError(error.status ?? 'UNKNOWN', error.message ?? 'The stream ended with an error.', error.details));
  }

  /** Reads SSE frames from the POST's own body (a route without durable streams). */
  async #readPlain(response) {
    this.connections = 1;
    this.#state('streaming');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replaceAll('\r\n', '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        const id = lines.find((line) => line.startsWith('id:'))?.slice(3).trim();
        const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).replace(/^ /, '')).join('\n');
        if (data) this.#frame(data, id ?? '');
      }
    }
    if (!this.#finished) this.#fail(new FlowError('UNAVAILABLE', 'The answer ended without a result.'));
  }

  #end() {
    this.#finished = true;
    this.#source?.close();  // the server closes after the terminal frame; this stops EventSource at once
    this.#abort.abort();
  }

  #fail(error) {
    if (this.#finished || leaving) return;
    this.#end();
    this.#state(error.status === 'CANCELLED' ? 'cancelled' : 'failed');
    this.#rejectId(error);
    this.#rejectOutput(error);
  }

  /** Fails after FAILURE_DELAY_MS, unless the page is being left by then. */
  #failSoon(error) {
    setTimeout(() => this.#fail(error), FAILURE_DELAY_MS);
  }

  #state(state) {
    this.#options.onState?.(state);
  }
}

/** A FlowError from a refused request's JSON body (`{"status":…,"message":…}`), or its HTTP status. */
async function errorFrom(response) {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    if (body && typeof body.status === 'string') return new FlowError(body.status, body.message ?? '', body.details);
  } catch (_) { /* not JSON */ }
  return new FlowError('UNKNOWN', `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
}
