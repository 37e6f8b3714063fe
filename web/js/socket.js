// socket.js — the chat WebSocket: connects with the session's token,
// reconnects with exponential backoff and jitter, sends a ping well within
// the 10-minute idle limit, queues frames while disconnected and resends
// chat frames that got no final answer (the server replays by message id).

const PING_MS = 4 * 60 * 1000; // idle limit is 10 minutes
const MAX_PING_MS = 9 * 60 * 1000;
const MAX_BACKOFF_MS = 30 * 1000;

export class Socket extends EventTarget {
  constructor(urlFn, { keepaliveSeconds } = {}) {
    super();
    this.urlFn = urlFn; // () => ws URL with token, or null when signed out
    // A ping well within the idle limit; config.json may shorten it.
    this.pingMs = keepaliveSeconds > 0 ? Math.min(MAX_PING_MS, keepaliveSeconds * 1000) : PING_MS;
    this.ws = null;
    this.attempt = 0;
    this.queue = [];
    this.pending = new Map(); // chat id → frame, until final/error
    this.closed = false;
    this.timer = null;
    this.pinger = null;
    this.state = 'idle';
  }

  setState(state, detail = {}) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, ...detail } }));
  }

  open() {
    this.closed = false;
    const url = this.urlFn();
    if (!url) return;
    this.setState('connecting');
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.addEventListener('open', () => {
      if (this.ws !== ws) return;
      const resumed = this.attempt > 0;
      this.attempt = 0;
      this.setState('open', { resumed });
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.send({ action: 'ping' }), this.pingMs);
      // Unanswered questions first (same id: the server replays), then the queue.
      for (const f of this.pending.values()) ws.send(JSON.stringify(f));
      for (const f of this.queue.splice(0)) ws.send(JSON.stringify(f));
    });
    ws.addEventListener('message', (ev) => {
      if (this.ws !== ws) return; // a socket being closed (sign-out) delivers nothing more
      let f;
      try { f = JSON.parse(ev.data); } catch { return; }
      if ((f.type === 'final' || f.type === 'error') && f.id) this.pending.delete(f.id);
      this.dispatchEvent(new CustomEvent('frame', { detail: f }));
    });
    ws.addEventListener('close', () => {
      if (this.ws !== ws) return;
      clearInterval(this.pinger);
      this.ws = null;
      if (this.closed) { this.setState('closed'); return; }
      const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.attempt);
      const delay = Math.round(base / 2 + Math.random() * base / 2);
      this.attempt++;
      this.setState('reconnecting', { delay });
      this.timer = setTimeout(() => this.open(), delay);
    });
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    if (this.ws) this.ws.close(1000);
    this.ws = null;
    this.pending.clear();
    this.queue = [];
    this.setState('closed');
  }

  /** send sends a client frame, or queues it until the socket is open. */
  send(frame) {
    if (frame.action === 'chat') this.pending.set(frame.id, frame);
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(frame));
    } else if (frame.action !== 'chat' && frame.action !== 'ping' && frame.action !== 'auth') {
      // (a reconnect carries the newest token in its URL; an auth frame is not kept)
      this.queue.push(frame);
    }
  }
}
