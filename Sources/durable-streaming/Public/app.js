// The sample's page: a chat whose answers are durable streams, built on ./flowstreams.js.
//
// What the page keeps in localStorage (key `flowstreams.page`): the conversation (each answer's
// stream id, and its text once it has ended), the chosen flow and the unsent drafts. After a reload
// it shows the finished turns as stored and reads the running answer again by its stream id, from
// its first chunk: the server has stored every chunk, so the answer is whole and each token shows
// once. Stop cancels the run (and with it the model request on the server).
import { streamFlow } from './flowstreams.js';

const STORAGE_KEY = 'flowstreams.page';
const STREAM_ID = /^[A-Za-z0-9_-]{1,128}$/;
const FLOWS = {
  chat: { url: '/chat', token: (chunk) => String(chunk) },
  streamy: { url: '/streamy', token: (chunk) => String(chunk?.count) },
};

const $ = (id) => document.getElementById(id);
const ui = {
  form: $('prompt-form'), prompt: $('prompt'), count: $('count'), send: $('send'), stop: $('stop'),
  reset: $('new'), transcript: $('transcript'), empty: $('empty'), progress: $('progress'),
  formError: $('form-error'), streamId: $('stream-id'), status: $('status'), chunkCount: $('chunk-count'),
  duplicates: $('duplicates'), connections: $('connections'),
  flows: [...document.querySelectorAll('input[name="flow"]')],
};

// MARK: - Stored state

function emptyState() {
  return { flow: 'chat', drafts: { chat: '', streamy: '12' }, turns: [] };
}

function load() {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY));
    if (stored && Array.isArray(stored.turns) && FLOWS[stored.flow]) return { ...emptyState(), ...stored };
  } catch (_) { /* unreadable: start over */ }
  return emptyState();
}

let state = load();
/** The answer being read: { turn, element, run, texts, state }. */
let live = null;
/** The last run read, for the details panel (its connections and duplicates). */
let lastRun = null;

function save() {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
}

// MARK: - Rendering

function turnElement(turn) {
  const item = document.createElement('li');
  item.className = `turn ${turn.role} ${turn.flow}`;
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = turn.role === 'user' ? 'You' : turn.flow;
  const body = document.createElement('div');
  body.className = turn.role === 'user' ? 'text' : 'answer';
  body.textContent = turn.text ?? '';
  item.append(who, body);
  if (turn.role === 'assistant') {
    const meta = document.createElement('p');
    meta.className = 'meta';
    item.append(meta);
    showOutcome(item, turn);
  }
  return item;
}

function renderTranscript() {
  ui.transcript.replaceChildren(...state.turns.map(turnElement));
  ui.empty.hidden = state.turns.length > 0;
}

/** The turn's status line and, once it has ended, its result or error. */
function showOutcome(element, turn, chunks = turn.chunks ?? 0) {
  const total = Number.isInteger(turn.total) ? ` of ${turn.total}` : (chunks === 1 ? ' chunk' : ' chunks');
  const progress = `${chunks}${total}`;
  const meta = element.querySelector('.meta');
  const texts = {
    starting: 'Starting…',
    connecting: `Connecting… ${progress}`,
    streaming: `Answering… ${progress}`,
    reconnecting: `Reconnecting… ${progress}`,
    done: `Done · ${progress}${turn.finishReason && turn.finishReason !== 'stop' ? ` · finish reason: ${turn.finishReason}` : ''}`,
    cancelled: `Stopped after ${progress}`,
    failed: `Failed after ${progress}`,
  };
  meta.textContent = texts[turn.status] ?? turn.status;
  meta.dataset.state = turn.status;
  element.querySelector('.outcome')?.remove();
  if (turn.result == null && turn.error == null) return;
  const outcome = document.createElement('p');
  outcome.className = `outcome ${turn.error != null ? (turn.status === 'cancelled' ? 'stopped' : 'error') : 'result'}`;
  outcome.textContent = turn.error ?? turn.result;
  element.append(outcome);
}

/** The details panel, the buttons, and the status line screen readers announce. */
function showProgress() {
  const turn = live?.turn ?? state.turns.findLast((t) => t.role === 'assistant');
  const element = live?.element ?? ui.transcript.querySelector('li.assistant:last-of-type');
  ui.progress.textContent = turn && element ? element.querySelector('.meta').textContent : '';
  ui.streamId.textContent = turn?.streamId ?? 'none';
  ui.status.textContent = live?.state ?? turn?.status ?? 'idle';
  ui.chunkCount.textContent = String(live ? live.texts.length : (turn?.chunks ?? 0));
  ui.duplicates.textContent = String(lastRun?.duplicates ?? 0);
  ui.connections.textContent = String(lastRun?.connections ?? 0);
  const running = live !== null;
  ui.send.disabled = running;
  ui.stop.disabled = !running || !live.turn.streamId;
}

function showFlow() {
  for (const radio of ui.flows) radio.checked = radio.value === state.flow;
  ui.prompt.hidden = state.flow !== 'chat';
  ui.count.hidden = state.flow !== 'streamy';
  ui.prompt.value = state.drafts.chat ?? '';
  ui.count.value = state.drafts.streamy ?? '12';
}

function showFormError(text) {
  ui.formError.textContent = text;
  ui.formError.hidden = !text;
}

// MARK: - Runs

/** Reads `turn`'s answer: a new run with `input`, or its stream again (after a reload). */
function read(turn, element, input) {
  const answer = element.querySelector('.answer');
  answer.replaceChildren();
  const current = { turn, element, texts: [], state: 'starting' };
  live = current;
  const flow = FLOWS[turn.flow];
  current.run = streamFlow({
    url: flow.url,
    input,
    streamId: turn.streamId,
    onStreamId: (id) => {
      turn.streamId = id;
      turn.status = 'streaming';
      save();
      showProgress();
    },
    onChunk: (chunk, index) => {
      const token = document.createElement('span');
      token.className = 'token';
      token.dataset.index = String(index);
      token.textContent = flow.token(chunk);
      answer.append(token);
      current.texts.push(token.textContent);
      showOutcome(element, { ...turn, status: current.state }, current.texts.length);
      showProgress();
    },
    onState: (runState) => {
      current.state = runState;
      showOutcome(element, { ...turn, status: runState }, current.texts.length);
      showProgress();
    },
  });
  lastRun = current.run;
  current.run.output.then((output) => {
    turn.status = 'done';
    if (turn.flow === 'chat') {
      turn.finishReason = output?.finishReason ?? null;
    } else {
      turn.result = typeof output === 'string' ? output : JSON.stringify(output);
    }
  }, (error) => {
    turn.status = error.status === 'CANCELLED' ? 'cancelled' : 'failed';
    turn.error = error.message;
  }).finally(() => {
    if (live !== current) return;  // forgotten by New chat
    turn.text = current.texts.join(turn.flow === 'chat' ? '' : ' ');
    turn.chunks = current.texts.length;
    live = null;
    save();
    showOutcome(element, turn);
    showProgress();
  });
}

function conversation() {
  return state.turns
    .filter((turn) => turn.flow === 'chat' && turn.text && (turn.role === 'user' || ['done', 'cancelled'].includes(turn.status)))
    .map((turn) => ({ role: turn.role, content: turn.text }));
}

function send() {
  showFormError('');
  const flow = state.flow;
  let question;
  let input;
  if (flow === 'chat') {
    const text = ui.prompt.value.trim();
    if (!text) return showFormError('Type a message first.');
    input = { messages: [...conversation(), { role: 'user', content: text }] };
    question = { role: 'user', flow, text };
    state.drafts.chat = '';
  } else {
    const count = Number(ui.count.value);
    if (!Number.isInteger(count) || count < 0 || count > 10000) return showFormError('Enter a number of chunks from 0 to 10000.');
    input = count;
    question = { role: 'user', flow, text: `Count to ${count}.` };
  }
  const answer = { role: 'assistant', flow, status: 'starting', total: flow === 'streamy' ? input : null };
  state.turns.push(question, answer);
  save();
  renderTranscript();
  showFlow();
  read(answer, ui.transcript.lastElementChild, input);
  ui.transcript.lastElementChild.scrollIntoView({ block: 'end' });
}

async function stop() {
  if (!live) return;
  const current = live;
  ui.stop.disabled = true;
  try {
    const answer = await current.run.cancel();
    if (answer !== 'cancelled' && live === current) showFormError(`The server said: ${answer}.`);
  } catch (error) {
    showFormError(`Could not stop: ${error.message}`);
    showProgress();
  }
}

function startOver() {
  if (live) {
    live.run.cancel().catch(() => {});  // stop paying for an answer nobody will see
    live.run.close();
    live = null;
  }
  lastRun = null;
  state = { ...emptyState(), flow: state.flow, drafts: state.drafts };
  save();
  renderTranscript();
  showProgress();
  showFormError('');
  (state.flow === 'chat' ? ui.prompt : ui.count).focus();
}

// MARK: - Events

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  send();
});
ui.prompt.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    if (!live) send();
  }
});
ui.prompt.addEventListener('input', () => { state.drafts.chat = ui.prompt.value; save(); });
ui.count.addEventListener('input', () => { state.drafts.streamy = ui.count.value; save(); });
for (const radio of ui.flows) {
  radio.addEventListener('change', () => { state.flow = radio.value; save(); showFlow(); });
}
ui.stop.addEventListener('click', stop);
ui.reset.addEventListener('click', startOver);

// MARK: - Start: show what was there, and read the running answer again

renderTranscript();
showFlow();
const last = state.turns.at(-1);
if (last?.role === 'assistant' && last.status === 'starting') {
  // Reloaded before the server sent the stream id: the run cannot be found again.
  last.status = 'failed';
  last.error = 'The page was reloaded before the server answered; send it again.';
  save();
  renderTranscript();
} else if (last?.role === 'assistant' && last.status === 'streaming' && STREAM_ID.test(last.streamId ?? '')) {
  read(last, ui.transcript.lastElementChild);
}
showProgress();
