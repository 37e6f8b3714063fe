// timeline.js — #/timeline: the plan as a Gantt of job streams, each
// expandable to its jobs, over the plan period: planned start, actual start
// and end, estimated end, deadline, a "now" line; late, abended and at-risk
// streams marked; zoom, and filters on workstation, stream and status (in
// the address: #/timeline?workstation=&stream=&status=&zoom=&shift=&page=).
// Every time is in the plan's zone (time.js).
//
// Data, bounded: the job streams (GET /api/v1/jobstreams), the critical
// jobs (GET /api/v1/critical: a stream holding one at risk is at risk), and
// for the PAGE_SIZE streams on screen only, their jobs (GET
// /api/v1/jobs?stream=…, one page each): the actual start is their first
// run's start, the actual end their last run's end once every job has
// ended, the estimated end the latest of each unfinished job's start (or
// planned start, not before now) plus its estimated duration.
import { h, s, $, fill, badge } from './dom.js';
import { api } from './api.js';
import { clockText, planZone, zoneName } from './time.js';
import { chip } from './chips.js';

export const PAGE_SIZE = 25;
const PARALLEL = 4;
const JOBS_TTL = 30000;
const W = 1000; // the bars' viewBox width
const ZOOMS = { plan: 0, '24h': 24, '12h': 12, '6h': 6, '2h': 2 };
const STATUSES = ['', 'late', 'abended', 'at-risk', 'RUNNING', 'WAITING', 'HELD', 'READY', 'SUCCESSFUL', 'ERROR', 'CANCELED', 'BLOCKED'];
const ENDED = new Set(['SUCC', 'SUCCP', 'ABEND', 'ABENP', 'FAIL', 'CANCL', 'CANCLP', 'SUPPR', 'ERROR', 'COMPLT', 'END']);
const FAILED = new Set(['ABEND', 'ABENP', 'FAIL', 'ERROR']);

const ms = (t) => (t ? Date.parse(t) : NaN);

function params() {
  const i = location.hash.indexOf('?');
  return new URLSearchParams(i >= 0 ? location.hash.slice(i + 1) : '');
}

/** abended reports whether a stream holds an abended or failed job (its counters) or is in error. */
export function abended(st) {
  const c = st.stats || {};
  return (c.abended || 0) + (c.failed || 0) > 0 || st.status === 'ERROR';
}

/** matches reports whether stream st passes the filters of p; risky is the set of at-risk stream ids. */
export function matches(st, p, risky) {
  const ws = p.get('workstation') || '';
  const name = (p.get('stream') || '').trim().toLowerCase();
  const status = p.get('status') || '';
  if (ws && st.workstation !== ws) return false;
  if (name && !String(st.name).toLowerCase().includes(name)) return false;
  switch (status) {
    case '': return true;
    case 'late': return !!st.late;
    case 'abended': return abended(st);
    case 'at-risk': return risky.has(st.id);
  }
  return st.status === status;
}

/** spans computes a stream's actual start and end and estimated end from its jobs, at now. */
export function spans(jobs, now) {
  let start = NaN;
  let end = NaN;
  let est = NaN;
  let open = false;
  for (const j of jobs) {
    const r = j.lastRun || {};
    const rs = ms(r.start);
    const re = ms(r.end);
    if (!isNaN(rs)) start = isNaN(start) ? rs : Math.min(start, rs);
    const done = ENDED.has(j.internalStatus) || ['SUCCESSFUL', 'ERROR', 'CANCELED'].includes(j.status);
    if (done) {
      if (!isNaN(re)) end = isNaN(end) ? re : Math.max(end, re);
      continue;
    }
    open = true;
    const from = !isNaN(rs) ? rs : Math.max(now, ms(j.schedTime) || now);
    const e = Math.max(now, from + (j.estimatedSeconds || 0) * 1000);
    est = isNaN(est) ? e : Math.max(est, e);
  }
  if (open || !jobs.length) end = NaN;
  return { start, end, est: open ? est : NaN };
}

// The zone's offset from UTC at t, in minutes (ticks fall on its hours).
function offsetMin(t) {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: planZone(), hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  return Math.round((Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute) - Math.floor(t / 60000) * 60000) / 60000);
}

/** ticks returns the hour marks of [from, to] in the plan's zone, at most about eight. */
export function ticks(from, to) {
  const span = (to - from) / 3600000;
  const step = [0.25, 0.5, 1, 2, 3, 6, 12, 24, 48].find((x) => span / x <= 8) || 96;
  const stepMs = step * 3600000;
  const off = offsetMin(from) * 60000;
  const out = [];
  for (let t = Math.ceil((from + off) / stepMs) * stepMs - off; t <= to && out.length < 20; t += stepMs) out.push(t);
  return out;
}

/** tickLabel is "14:00" in the plan's zone, "03 Dec" at its midnight. */
export function tickLabel(t) {
  const midnight = (t + offsetMin(t) * 60000) % 86400000 === 0;
  const f = new Intl.DateTimeFormat('en-GB', midnight ? { timeZone: planZone(), day: '2-digit', month: 'short' } : { timeZone: planZone(), hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return f.format(new Date(t));
}

let state = null; // {streams, risky, jobs: Map streamId → jobs} of this visit

/** showTimeline renders #/timeline from the address's filters. */
export async function showTimeline() {
  const body = $('tl-body');
  const p = params();
  if (!document.getElementById('tl-form')) fill(body, h('p', { class: 'muted', role: 'status' }, 'Reading the plan…'));
  try {
    const [st, crit] = await Promise.all([api('/api/v1/jobstreams'), api('/api/v1/critical').catch(() => ({ items: [] }))]);
    const risky = new Set(((crit && crit.items) || []).filter((c) => c.atRisk && c.streamId).map((c) => c.streamId));
    state = { streams: (st && st.items) || [], risky, jobs: state ? state.jobs : new Map(), open: state ? state.open : new Set() };
  } catch (err) {
    fill(body, h('p', { class: 'error', role: 'alert' }, 'Could not read the plan: ' + err.message));
    return;
  }
  const now = Date.now();
  const all = state.streams.filter((x) => matches(x, p, state.risky))
    .sort((a, b) => (ms(a.schedTime) || 0) - (ms(b.schedTime) || 0) || String(a.name).localeCompare(b.name));
  const pages = Math.max(1, Math.ceil(all.length / PAGE_SIZE));
  const page = Math.min(pages, Math.max(1, Number(p.get('page')) || 1));
  const shown = all.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  // Only the streams on screen have their jobs read, one page each.
  // What was read in the last JOBS_TTL ms is reused (paging back and forth,
  // changing the zoom); older is read again.
  await pool(shown.filter((x) => !state.jobs.has(x.id) || now - state.jobs.get(x.id).at > JOBS_TTL), PARALLEL, async (x) => {
    let items = null;
    try {
      const l = await api('/api/v1/jobs?' + new URLSearchParams({ stream: x.name, limit: '500' }).toString());
      items = ((l && l.items) || []).filter((j) => !j.streamId || j.streamId === x.id);
    } catch {
      items = null; // the row shows the stream's own times only
    }
    state.jobs.set(x.id, { at: now, items });
  });
  const win = windowOf(state.streams, p, now);
  fill(body, form(p, state.streams),
    h('p', { class: 'muted', id: 'tl-status', role: 'status' },
      all.length ? `Job streams ${(page - 1) * PAGE_SIZE + 1}–${(page - 1) * PAGE_SIZE + shown.length} of ${all.length}` : 'No job stream matches.',
      ' · ', clockText(win.from, true), ' – ', clockText(win.to, true), ' (plan time zone ', planZone(), ')'),
    grid(shown, win, now),
    legend(),
    pager(p, page, pages));
}

async function pool(items, n, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

// windowOf is the time window on screen: the plan period (every stream's
// planned start to the latest deadline, planned start or now), or a zoom
// of N hours centred on now, moved by shift half-windows.
function windowOf(streams, p, now) {
  const hours = ZOOMS[p.get('zoom') || 'plan'] || 0;
  if (hours) {
    const span = hours * 3600000;
    const shift = (Number(p.get('shift')) || 0) * span / 2;
    return { from: now - span / 2 + shift, to: now + span / 2 + shift };
  }
  let from = now;
  let to = now;
  for (const x of streams) {
    for (const t of [ms(x.schedTime), ms(x.deadline)]) {
      if (isNaN(t)) continue;
      from = Math.min(from, t);
      to = Math.max(to, t);
    }
  }
  const pad = Math.max(15 * 60000, (to - from) * 0.03);
  return { from: from - pad, to: to + pad };
}

function form(p, streams) {
  const f = h('form', { id: 'tl-form', class: 'card filters', role: 'search', 'aria-label': 'Filter the timeline' },
    h('div', {}, h('label', { for: 'tl-workstation' }, 'Workstation'), h('select', { id: 'tl-workstation', name: 'workstation' },
      h('option', { value: '' }, 'any'), [...new Set(streams.map((x) => x.workstation).filter(Boolean))].sort().map((w) => h('option', { value: w, selected: w === p.get('workstation') }, w)))),
    h('div', {}, h('label', { for: 'tl-stream' }, 'Job stream'), h('input', { id: 'tl-stream', name: 'stream', type: 'search', autocomplete: 'off', maxlength: 128, value: p.get('stream') || '', placeholder: 'name contains' })),
    h('div', {}, h('label', { for: 'tl-statusf' }, 'Status'), h('select', { id: 'tl-statusf', name: 'status' },
      STATUSES.map((x) => h('option', { value: x, selected: x === (p.get('status') || '') }, x || 'any')))),
    h('div', {}, h('label', { for: 'tl-zoom' }, 'Zoom'), h('select', { id: 'tl-zoom', name: 'zoom' },
      Object.keys(ZOOMS).map((z) => h('option', { value: z, selected: z === (p.get('zoom') || 'plan') }, z === 'plan' ? 'whole plan' : z.replace('h', ' hours around now'))))),
    h('div', { class: 'buttons tl-move' },
      h('button', { type: 'button', class: 'secondary', id: 'tl-earlier', disabled: !ZOOMS[p.get('zoom') || 'plan'], onclick: () => go(f, { shift: (Number(p.get('shift')) || 0) - 1 }) }, '◀ Earlier'),
      h('button', { type: 'button', class: 'secondary', id: 'tl-later', disabled: !ZOOMS[p.get('zoom') || 'plan'], onclick: () => go(f, { shift: (Number(p.get('shift')) || 0) + 1 }) }, 'Later ▶')));
  f.addEventListener('submit', (e) => { e.preventDefault(); go(f); });
  f.addEventListener('change', (e) => go(f, e.target.id === 'tl-zoom' ? { shift: 0 } : { shift: p.get('shift') || 0 }));
  return f;
}

function go(f, { shift = 0 } = {}) {
  const n = new URLSearchParams();
  for (const [k, id] of [['workstation', 'tl-workstation'], ['stream', 'tl-stream'], ['status', 'tl-statusf'], ['zoom', 'tl-zoom']]) {
    const v = f.querySelector('#' + id).value.trim();
    if (v && !(k === 'zoom' && v === 'plan')) n.set(k, v);
  }
  if (Number(shift)) n.set('shift', String(shift));
  location.hash = '#/timeline' + (n.toString() ? '?' + n.toString() : '');
}

function pager(p, page, pages) {
  if (pages <= 1) return null;
  const to = (k) => {
    const n = new URLSearchParams(p);
    n.set('page', String(k));
    return '#/timeline?' + n.toString();
  };
  return h('nav', { class: 'buttons tl-pager', 'aria-label': 'Timeline pages' },
    page > 1 ? h('a', { href: to(page - 1), rel: 'prev' }, '◀ Previous') : null,
    h('span', { class: 'muted' }, `page ${page} of ${pages}`),
    page < pages ? h('a', { href: to(page + 1), rel: 'next' }, 'Next ▶') : null);
}

const x = (t, win) => ((t - win.from) / (win.to - win.from)) * W;
const inside = (t, win) => !isNaN(t) && t >= win.from && t <= win.to;

function grid(streams, win, now) {
  // The axis: an SVG without a viewBox, placed in percentages, so its
  // labels keep their shape at any width.
  const pct = (t) => (x(t, win) / W * 100).toFixed(2) + '%';
  const anchor = (t) => (x(t, win) < 30 ? 'start' : x(t, win) > W - 30 ? 'end' : 'middle');
  const axis = s('svg', { class: 'tl-axis', width: '100%', height: 26, 'aria-hidden': 'true' },
    ticks(win.from, win.to).map((t) => [s('line', { class: 'tl-tickline', x1: pct(t), x2: pct(t), y1: 20, y2: 26 }),
      s('text', { class: 'tl-tick', x: pct(t), y: 15, 'text-anchor': anchor(t) }, tickLabel(t))]),
    inside(now, win) ? s('text', { class: 'tl-tick tl-nowlabel', x: pct(now), y: 25, 'text-anchor': anchor(now) }, 'now') : null);
  const rows = [h('div', { class: 'tl-row tl-head', role: 'row' },
    h('div', { class: 'tl-label', role: 'columnheader' }, 'Job stream'),
    h('div', { class: 'tl-bars', role: 'columnheader' }, h('span', { class: 'vh' }, 'Time, in the plan time zone ' + zoneName()), axis))];
  for (const st of streams) {
    const jobs = (state.jobs.get(st.id) || {}).items;
    const sp = jobs ? spans(jobs, now) : { start: NaN, end: NaN, est: NaN };
    const late = !!st.late;
    const ab = abended(st);
    const risk = state.risky.has(st.id);
    const afterDeadline = !isNaN(sp.est) && !isNaN(ms(st.deadline)) && sp.est > ms(st.deadline);
    const id = 'tl-jobs-' + st.id;
    const open = state.open.has(st.id);
    const toggle = h('button', {
      type: 'button', class: 'tl-toggle secondary', 'aria-expanded': String(open), 'aria-controls': id, 'aria-label': 'Jobs of ' + st.name, disabled: !(jobs && jobs.length),
      onclick: (e) => {
        const b = e.currentTarget;
        const now2 = b.getAttribute('aria-expanded') !== 'true';
        b.setAttribute('aria-expanded', String(now2));
        document.getElementById(id).hidden = !now2;
        if (now2) state.open.add(st.id); else state.open.delete(st.id);
      },
    }, '▸');
    rows.push(h('div', {
      class: 'tl-row tl-stream' + (late ? ' late' : '') + (ab ? ' abended' : '') + (risk ? ' at-risk' : ''), role: 'row',
      'data-id': st.id, 'data-name': st.name, 'data-workstation': st.workstation || '', 'data-late': String(late), 'data-abended': String(ab), 'data-at-risk': String(risk),
    },
    h('div', { class: 'tl-label', role: 'rowheader' }, toggle, ' ', h('a', { href: '#/streams/' + encodeURIComponent(st.name) }, st.name), ' ',
      h('span', { class: 'tl-marks' }, badge(st.status), late ? h('span', { class: 'badge crit mark-late' }, 'late') : null,
        ab ? h('span', { class: 'badge crit mark-abended' }, 'abended') : null, risk ? h('span', { class: 'badge warn mark-at-risk' }, 'at risk') : null,
        afterDeadline ? h('span', { class: 'badge warn mark-est' }, 'ends after deadline') : null)),
    h('div', { class: 'tl-bars', role: 'cell' }, bar({ plan: ms(st.schedTime), deadline: ms(st.deadline), ...sp, status: st.status, failed: ab, late }, win, now, st.name))));
    const jr = h('div', { id, class: 'tl-jobs', role: 'rowgroup', hidden: !open });
    for (const j of (jobs || []).slice().sort((a, b) => (ms(a.schedTime) || 0) - (ms(b.schedTime) || 0))) {
      const r = j.lastRun || {};
      const done = ENDED.has(j.internalStatus);
      const rs = ms(r.start);
      const est = done ? NaN : Math.max(now, (isNaN(rs) ? Math.max(now, ms(j.schedTime) || now) : rs) + (j.estimatedSeconds || 0) * 1000);
      jr.append(h('div', { class: 'tl-row tl-job' + (j.late ? ' late' : '') + (FAILED.has(j.internalStatus) ? ' abended' : ''), role: 'row', 'data-id': j.id },
        h('div', { class: 'tl-label', role: 'rowheader' }, chip(j, { lookup: false }), j.late ? h('span', { class: 'badge crit' }, 'late') : null, j.critical ? h('span', { class: 'badge warn' }, 'critical') : null),
        h('div', { class: 'tl-bars', role: 'cell' }, bar({ plan: ms(j.schedTime), deadline: ms(j.deadline), start: rs, end: done ? ms(r.end) : NaN, est, status: j.internalStatus, failed: FAILED.has(j.internalStatus), late: j.late }, win, now, j.name))));
    }
    rows.push(jr);
  }
  return h('div', { class: 'tl', role: 'table', 'aria-label': 'Plan timeline: job streams over time' }, rows);
}

function legend() {
  const key = (cls, shape) => s('svg', { class: 'tl-key', viewBox: '0 0 24 12', width: 24, height: 12, 'aria-hidden': 'true' }, shape(cls));
  const r = (cls) => s('rect', { class: cls, x: 1, y: 2, width: 22, height: 8 });
  const l = (cls) => s('line', { class: cls, x1: 12, x2: 12, y1: 0, y2: 12 });
  return h('ul', { class: 'tl-legend', 'aria-label': 'Legend' },
    h('li', {}, key('tl-plan', r), ' planned start to deadline'), h('li', {}, key('tl-act', r), ' ran'), h('li', {}, key('tl-act running', r), ' running'),
    h('li', {}, key('tl-act failed', r), ' abended'), h('li', {}, key('tl-est', r), ' estimated to end'),
    h('li', {}, key('tl-deadline', l), ' deadline'), h('li', {}, key('tl-now', l), ' now'));
}

// bar is one row's picture: the planned start, the run (actual start to
// end, or to now while it runs), the estimate to its end, the deadline,
// and now. Its label says the same in words.
function bar(b, win, now, name) {
  const words = [name];
  const kids = [];
  const clampX = (t) => Math.max(0, Math.min(W, x(t, win)));
  if (!isNaN(b.plan)) {
    words.push('planned start ' + clockText(b.plan, true));
    const to = !isNaN(b.deadline) ? b.deadline : b.plan + 3600000;
    if (to > win.from && b.plan < win.to) kids.push(s('rect', { class: 'tl-plan', x: clampX(b.plan), y: 3, width: Math.max(1, clampX(to) - clampX(b.plan)), height: 6 }));
  }
  if (!isNaN(b.start)) {
    words.push('started ' + clockText(b.start, true));
    const to = !isNaN(b.end) ? b.end : now;
    if (!isNaN(b.end)) words.push('ended ' + clockText(b.end, true));
    if (to > win.from && b.start < win.to) kids.push(s('rect', { class: 'tl-act' + (b.failed ? ' failed' : '') + (isNaN(b.end) ? ' running' : ''), x: clampX(b.start), y: 12, width: Math.max(2, clampX(to) - clampX(b.start)), height: 12 }));
  }
  if (!isNaN(b.est)) {
    words.push('estimated end ' + clockText(b.est, true));
    const from = !isNaN(b.start) && isNaN(b.end) ? now : Math.max(now, !isNaN(b.plan) ? b.plan : now);
    if (b.est > win.from && from < win.to) kids.push(s('rect', { class: 'tl-est', x: clampX(from), y: 12, width: Math.max(2, clampX(b.est) - clampX(from)), height: 12 }));
  }
  if (!isNaN(b.deadline)) {
    words.push('deadline ' + clockText(b.deadline, true));
    if (inside(b.deadline, win)) kids.push(s('line', { class: 'tl-deadline', x1: x(b.deadline, win), x2: x(b.deadline, win), y1: 0, y2: 28 }));
  }
  if (!isNaN(b.plan) && inside(b.plan, win)) kids.push(s('line', { class: 'tl-start', x1: x(b.plan, win), x2: x(b.plan, win), y1: 1, y2: 11 }));
  if (inside(now, win)) kids.push(s('line', { class: 'tl-now', x1: x(now, win), x2: x(now, win), y1: 0, y2: 28 }));
  if (b.late) words.push('late');
  if (b.failed) words.push('abended');
  const label = words.join(', ');
  return s('svg', { class: 'tl-svg', viewBox: `0 0 ${W} 28`, preserveAspectRatio: 'none', role: 'img', 'aria-label': label }, s('title', {}, label), kids);
}
