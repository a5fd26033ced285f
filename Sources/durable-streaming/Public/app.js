// The streamy page: starts a durable run with one POST, then reads it with the browser's own
// EventSource from GET /streamy/streams/<id>. The id is kept in localStorage, so a reload reopens
// the stream from chunk 0 and renders it whole; within one page life EventSource reconnects by
// itself and sends Last-Event-ID, so the server continues after the last chunk shown.
'use strict';

const FLOW_PATH = '/streamy';
const STORAGE_KEY = 'flowstreams.streamy.streamId';
const STREAM_ID = /^[A-Za-z0-9_-]{1,128}$/;

const $ = (id) => document.getElementById(id);
const ui = {
  form: $('start-form'),
  count: $('count'),
  start: $('start'),
  stop: $('stop'),
  reset: $('new'),
  streamId: $('stream-id'),
  status: $('status'),
  chunkCount: $('chunk-count'),
  duplicates: $('duplicates'),
  connections: $('connections'),
  chunks: $('chunks'),
  result: $('result'),
  error: $('error'),
};

/** What is shown of the current stream. */
let current = null;

function setStatus(text) {
  ui.status.textContent = text;
  ui.status.dataset.state = text;
}

function showError(text) {
  ui.error.textContent = text;
  ui.error.hidden = false;
}

/** Closes the open stream (if any) and empties every output. */
function clear() {
  if (current?.source) current.source.close();
  current = null;
  ui.chunks.replaceChildren();
  ui.result.hidden = true;
  ui.result.textContent = '';
  ui.error.hidden = true;
  ui.error.textContent = '';
  ui.streamId.textContent = 'none';
  ui.chunkCount.textContent = '0';
  ui.duplicates.textContent = '0';
  ui.connections.textContent = '0';
  ui.stop.disabled = true;
}

/** Starts a run of `count` chunks: POST only to create the stream and learn its id. */
async function start(count) {
  clear();
  setStatus('starting');
  ui.start.disabled = true;
  const controller = new AbortController();
  try {
    const response = await fetch(FLOW_PATH, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify({ data: count }),
      signal: controller.signal,
    });
    if (!response.ok) {
      const text = await response.text();
      let message = text;
      try {
        const body = JSON.parse(text);
        message = `${body.status}: ${body.message}`;
      } catch (_) { /* not JSON: show it as it is */ }
      throw new Error(`HTTP ${response.status} ${message}`);
    }
    const id = response.headers.get('x-genkit-stream-id');
    // The run is durable and detached from this request: stop reading it here, EventSource reads it.
    controller.abort();
    if (!id) throw new Error('the server sent no x-genkit-stream-id (no stream manager?)');
    localStorage.setItem(STORAGE_KEY, id);
    open(id);
  } catch (error) {
    controller.abort();
    setStatus('failed');
    showError(`Could not start: ${error.message}`);
  } finally {
    ui.start.disabled = false;
  }
}

/** Reads stream `id` from its first chunk with EventSource. */
function open(id) {
  clear();
  const source = new EventSource(`${FLOW_PATH}/streams/${encodeURIComponent(id)}`);
  current = { id, source, lastIndex: -1, chunks: 0, duplicates: 0, connections: 0, finished: false };
  const stream = current;
  ui.streamId.textContent = id;
  ui.stop.disabled = false;
  setStatus('connecting');

  source.onopen = () => {
    stream.connections += 1;
    ui.connections.textContent = String(stream.connections);
    setStatus('streaming');
  };
  source.onmessage = (event) => {
    if (stream !== current) return;
    const index = Number(event.lastEventId);
    const frame = JSON.parse(event.data);
    if ('message' in frame) {
      if (index <= stream.lastIndex) {
        // Seen before: never shown twice, but counted, so a test (or you) can see it happen.
        stream.duplicates += 1;
        ui.duplicates.textContent = String(stream.duplicates);
        return;
      }
      stream.lastIndex = index;
      stream.chunks += 1;
      const item = document.createElement('li');
      item.value = index;
      item.dataset.index = String(index);
      item.textContent = JSON.stringify(frame.message);
      ui.chunks.append(item);
      ui.chunkCount.textContent = String(stream.chunks);
      return;
    }
    // The terminal frame: the server closes after it; closing here stops EventSource at once.
    stream.finished = true;
    source.close();
    ui.stop.disabled = true;
    if ('result' in frame) {
      const result = frame.result;
      ui.result.textContent = `Result: ${typeof result === 'string' ? result : JSON.stringify(result)}`;
      ui.result.hidden = false;
      setStatus('done');
    } else {
      const error = frame.error ?? {};
      showError(`${error.status}: ${error.message}`);
      setStatus(error.status === 'CANCELLED' ? 'cancelled' : 'failed');
    }
  };
  source.onerror = () => {
    if (stream !== current || stream.finished) return;
    if (source.readyState === EventSource.CLOSED) {
      // 404 (unknown, expired or not ours) or 204: EventSource gives up.
      ui.stop.disabled = true;
      setStatus('not found');
      showError('The stream is not available (unknown or expired id). Press New to start over.');
    } else {
      setStatus('reconnecting');
    }
  };
}

/** Cancels the current run: the stream then ends with CANCELLED for every reader. */
async function stop() {
  const stream = current;
  if (!stream) return;
  ui.stop.disabled = true;
  try {
    const response = await fetch(`${FLOW_PATH}/streams/${encodeURIComponent(stream.id)}`, { method: 'DELETE' });
    // The CANCELLED frame may have arrived before this answer: then the status already says so.
    if (stream !== current || stream.finished) return;
    if (response.status === 202) setStatus('cancelling');
    else if (response.status === 204) setStatus('already finished');
    else setStatus(`cancel answered ${response.status}`);
  } catch (error) {
    ui.stop.disabled = false;
    showError(`Could not cancel: ${error.message}`);
  }
}

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  const count = Number.parseInt(ui.count.value, 10);
  if (Number.isNaN(count) || count < 0) {
    showError('Enter a number of chunks ≥ 0.');
    return;
  }
  start(count);
});
ui.stop.addEventListener('click', stop);
ui.reset.addEventListener('click', () => {
  clear();
  localStorage.removeItem(STORAGE_KEY);
  setStatus('idle');
  ui.count.focus();
});

// After a reload: reopen the stream this page was showing, from chunk 0.
const saved = localStorage.getItem(STORAGE_KEY);
if (saved && STREAM_ID.test(saved)) open(saved);
else setStatus('idle');
