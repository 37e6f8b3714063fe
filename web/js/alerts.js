// alerts.js — the alerts panel: the plan monitor's alerts pushed to this
// session (event frames) and the last 100 the server kept
// (GET /api/v1/alerts), newest first, filtered by severity and kind; an
// unread count on the header button; a browser notification for a critical
// alert pushed while the page is open, once the user allowed it (asked only
// when they press the button that says so).
//
// The server grades an alert (notify.FromEvent: severity, title, text):
// a pushed event shows at once as "pending" and takes the server's words a
// moment later, so the grading rule lives in one place.
import { h, $, fill } from './dom.js';
import { api } from './api.js';
import { when } from './time.js';

const MONITOR_KINDS = {
  job_abended: 'Job abended',
  job_failed: 'Job failed',
  critical_at_risk: 'Critical job at risk',
  stream_late: 'Job stream late',
  workstation_unlinked: 'Workstation unlinked',
  workstation_stopped: 'Workstation stopped',
};
const SEVERITIES = ['critical', 'warning', 'info'];
const KEEP = 300; // alerts held in the page: the server's 100 and this session's pushes
const SEEN_KEY = 'resync.alerts.seen.';

// key matches a pushed event to the server's alert for it: kind, object
// id and the second it was detected (the server's key carries the same).
function key(kind, id, at) {
  const t = Date.parse(at);
  return kind + '|' + (id || '') + '|' + (isNaN(t) ? String(at) : Math.floor(t / 1000));
}

const jobKind = (k) => k === 'job_abended' || k === 'job_failed' || k === 'critical_at_risk';

export class Alerts {
  constructor(socket, getSession) {
    this.getSession = getSession;
    this.items = new Map(); // key → alert
    this.notified = new Set(); // keys a browser notification was shown for
    this.loadedOnce = false;
    this.refreshTimer = 0;
    this.btn = $('alerts-btn');
    this.panel = $('alerts-panel');
    this.btn.addEventListener('click', () => (this.panel.hidden ? this.open() : this.close()));
    // Escape closes the panel from inside it, from its button, or when
    // focus has fallen back to the page's body.
    document.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape' || this.panel.hidden) return;
      const a = document.activeElement;
      if (a && a !== document.body && a !== this.btn && !this.panel.contains(a)) return;
      e.preventDefault();
      this.close();
    });
    this.build();
    // New alerts are announced (politely) to screen readers wherever focus is.
    this.live = h('div', { class: 'vh', id: 'alerts-live', 'aria-live': 'polite', 'aria-atomic': 'true' });
    document.body.append(this.live);
    socket.addEventListener('frame', (e) => this.onFrame(e.detail));
  }

  build() {
    this.sev = h('select', { id: 'alerts-sev' }, h('option', { value: '' }, 'All severities'), SEVERITIES.map((s) => h('option', { value: s }, s)));
    this.kind = h('select', { id: 'alerts-kind' }, h('option', { value: '' }, 'All kinds'),
      Object.entries(MONITOR_KINDS).map(([k, label]) => h('option', { value: k }, label)));
    this.sev.addEventListener('change', () => this.render());
    this.kind.addEventListener('change', () => this.render());
    this.notifyBtn = h('button', { type: 'button', class: 'secondary', id: 'alerts-notify' }, 'Notify me of critical alerts');
    this.notifyBtn.addEventListener('click', () => this.askPermission());
    this.note = h('p', { class: 'muted', id: 'alerts-note', role: 'status' });
    this.list = h('ul', { class: 'alerts-list', id: 'alerts-list', 'aria-label': 'Alerts, newest first' });
    const close = h('button', { type: 'button', class: 'secondary', id: 'alerts-close' }, 'Close');
    close.addEventListener('click', () => this.close());
    const read = h('button', { type: 'button', class: 'secondary', id: 'alerts-read' }, 'Mark all read');
    read.addEventListener('click', () => this.markRead());
    fill(this.panel,
      h('div', { class: 'alerts-head' }, h('h2', { id: 'alerts-h', tabindex: '-1' }, 'Alerts'), close),
      h('div', { class: 'filters' },
        h('div', {}, h('label', { for: 'alerts-sev' }, 'Severity'), this.sev),
        h('div', {}, h('label', { for: 'alerts-kind' }, 'Kind'), this.kind)),
      h('div', { class: 'buttons' }, read, this.notifyBtn),
      this.note, this.list);
    this.syncNotify();
  }

  /** start loads the server's alerts for the signed-in user. */
  start() {
    this.btn.hidden = false;
    this.items.clear();
    this.notified.clear();
    this.loadedOnce = false;
    this.load();
  }

  /** stop forgets the alerts (sign-out) and closes the panel. */
  stop() {
    clearTimeout(this.refreshTimer);
    this.items.clear();
    this.close(false);
    this.btn.hidden = true;
    this.render();
  }

  seenKey() {
    const s = this.getSession();
    return SEEN_KEY + (s ? s.user : '');
  }

  seenAt() {
    return Date.parse(localStorage.getItem(this.seenKey()) || '') || 0;
  }

  async load(limit = 100) {
    let d;
    try {
      d = await api('/api/v1/alerts?limit=' + limit);
    } catch (err) {
      this.note.textContent = 'Could not load the alerts: ' + err.message;
      return;
    }
    const fresh = [];
    for (const a of (d && d.items) || []) {
      const k = key(a.kind, a.objectId, a.at);
      const had = this.items.get(k);
      this.items.set(k, { ...a, k, pushed: had ? had.pushed : false, pending: false });
      if (had && had.pending) fresh.push(this.items.get(k));
    }
    if (!this.loadedOnce) this.note.textContent = '';
    this.loadedOnce = true;
    this.trim();
    for (const a of fresh) this.maybeNotify(a);
    if (fresh.length) this.live.textContent = fresh.length === 1 ? 'New ' + fresh[0].severity + ' alert: ' + fresh[0].title : fresh.length + ' new alerts';
    this.render();
  }

  trim() {
    if (this.items.size <= KEEP) return;
    const sorted = [...this.items.values()].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    for (const a of sorted.slice(KEEP)) this.items.delete(a.k);
  }

  onFrame(f) {
    if (f.type !== 'event' || !MONITOR_KINDS[f.kind] || !this.getSession()) return;
    const d = f.data || {};
    const k = key(f.kind, d.id, f.at);
    if (!this.items.has(k)) {
      this.items.set(k, {
        k, kind: f.kind, at: f.at, objectId: d.id, name: d.name, severity: 'pending', pending: true, pushed: true,
        title: MONITOR_KINDS[f.kind] + ': ' + (d.name || d.id || ''), text: '', link: jobKind(f.kind) && d.id ? '/#/jobs/' + encodeURIComponent(d.id) : '',
      });
      this.render();
    }
    // Pushes come in bursts (one monitor run): one read for the burst.
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.load(20), 300);
  }

  sorted() {
    return [...this.items.values()].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  }

  unread() {
    const seen = this.seenAt();
    let n = 0;
    for (const a of this.items.values()) if (Date.parse(a.at) > seen) n++;
    return n;
  }

  render() {
    const n = this.unread();
    const count = $('alerts-count');
    count.textContent = n > 99 ? '99+' : String(n);
    count.hidden = n === 0;
    this.btn.setAttribute('aria-label', 'Alerts, ' + n + ' unread');
    this.btn.dataset.unread = String(n);
    const sev = this.sev.value;
    const kind = this.kind.value;
    const shown = this.sorted().filter((a) => (!sev || a.severity === sev) && (!kind || a.kind === kind));
    const seen = this.seenAt();
    fill(this.list, shown.length ? shown.map((a) => this.item(a, Date.parse(a.at) > seen))
      : h('li', { class: 'muted' }, this.items.size ? 'No alert matches the filters.' : 'No alerts.'));
  }

  item(a, unread) {
    const link = (a.link || '').replace(/^\/#/, '#');
    const title = link.startsWith('#/') ? h('a', { href: link }, a.title) : h('span', {}, a.title);
    return h('li', { class: 'alert ' + a.severity + (unread ? ' unread' : ''), 'data-kind': a.kind, 'data-key': a.k },
      h('span', { class: 'sev badge ' + a.severity }, a.pending ? 'new' : a.severity),
      unread ? h('span', { class: 'vh' }, ' (unread) ') : null,
      ' ', h('strong', {}, title), ' ', when(a.at, { rel: true }),
      a.text ? h('p', { class: 'muted' }, a.text) : null);
  }

  open() {
    this.panel.hidden = false;
    this.btn.setAttribute('aria-expanded', 'true');
    this.render();
    $('alerts-h').focus();
  }

  /** close hides the panel, marks what it showed read and gives focus back to the button. */
  close(focus = true) {
    if (this.panel.hidden) return;
    this.panel.hidden = true;
    this.btn.setAttribute('aria-expanded', 'false');
    this.markRead();
    if (focus) this.btn.focus();
  }

  markRead() {
    const newest = this.sorted()[0];
    if (newest && Date.parse(newest.at) > this.seenAt()) localStorage.setItem(this.seenKey(), new Date(newest.at).toISOString());
    this.render();
  }

  // Notifications: asked for on the button press only (a user gesture),
  // shown for critical alerts pushed while the page is open.
  syncNotify() {
    const has = typeof Notification !== 'undefined';
    const p = has ? Notification.permission : 'unsupported';
    this.notifyBtn.hidden = p === 'granted' || p === 'unsupported';
    this.notifyBtn.disabled = p === 'denied';
    if (p === 'denied') this.notifyBtn.textContent = 'Notifications are blocked in this browser';
    this.panel.dataset.notify = p;
  }

  async askPermission() {
    if (typeof Notification === 'undefined') return;
    try {
      await Notification.requestPermission();
    } catch {
      // an old browser without the promise form: the permission stays as it was
    }
    const had = document.activeElement === this.notifyBtn;
    this.syncNotify();
    if (had && this.notifyBtn.hidden) $('alerts-h').focus();
    this.note.textContent = Notification.permission === 'granted' ? 'Critical alerts will show as notifications.' : 'Notifications were not allowed.';
  }

  maybeNotify(a) {
    if (!a.pushed || a.severity !== 'critical' || this.notified.has(a.k)) return;
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    this.notified.add(a.k);
    try {
      const n = new Notification(a.title, { body: a.text, tag: a.key || a.k });
      const link = (a.link || '').replace(/^\/#/, '#');
      n.addEventListener('click', () => { window.focus(); if (link.startsWith('#/')) location.hash = link; });
      this.panel.dataset.notified = String(this.notified.size);
    } catch {
      // some platforms allow notifications only from a service worker
    }
  }
}
