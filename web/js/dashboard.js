// dashboard.js — the plan summary, charts drawn as inline SVG, and the
// recent events; refreshed when an event frame arrives (no polling).
import { h, s, $, fill, badge, jobLink } from './dom.js';
import { api } from './api.js';
import { when } from './time.js';
import { chip } from './chips.js';
import { streamLink, wsLink } from './search.js';

const PLAN_EVENTS = new Set(['job_abended', 'job_failed', 'stream_late', 'workstation_unlinked', 'workstation_stopped', 'critical_at_risk', 'health', 'action_outcome']);

export class Dashboard {
  constructor(socket) {
    this.events = [];
    this.timer = 0;
    this.visible = false;
    this.stale = true;
    socket.addEventListener('frame', (e) => {
      const f = e.detail;
      if (f.type !== 'event' || !PLAN_EVENTS.has(f.kind)) return;
      this.events.unshift(f);
      this.events.length = Math.min(this.events.length, 50);
      this.renderEvents();
      this.stale = true;
      if (this.sum) this.render(this.sum);
      if (this.visible) this.refreshSoon();
    });
  }

  show() {
    this.visible = true;
    if (this.stale) this.load();
  }

  hide() {
    this.visible = false;
    clearTimeout(this.timer);
  }

  refreshSoon() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.load(), 500);
  }

  async load() {
    this.stale = false;
    try {
      const [sum, ev] = await Promise.all([api('/api/v1/plan/summary'), api('/api/v1/events')]);
      this.render(sum);
      const seen = new Set(this.events.map((e) => e.kind + (e.at || '')));
      for (const e of (ev && ev.items) || []) if (!seen.has(e.kind + (e.at || ''))) this.events.push(e);
      this.events.sort((a, b) => String(b.at).localeCompare(String(a.at)));
      this.renderEvents();
    } catch (err) {
      fill($('dash-asof'), h('span', { class: 'error' }, 'Could not load the plan: ' + err.message));
      this.stale = true;
    }
  }

  render(sum) {
    this.sum = sum;
    fill($('dash-asof'), `${sum.totalJobs} jobs, as of `, when(sum.asOf, { rel: true }), sum.stale ? h('strong', { class: 'error' }, ' (stale: HWA is not answering)') : '');
    fill($('chart-status'), barChart(sum.byStatus || {}, 'Jobs by status'));
    fill($('chart-ws'), barChart(sum.byWorkstation || {}, 'Jobs by workstation'));
    // Alerts pushed after the summary was taken show at once; the summary
    // may come from a cache a little older than the event.
    const failed = [...(sum.failed || sum.abended || [])];
    const critical = [...(sum.criticalAtRisk || [])];
    const asOf = Date.parse(sum.asOf) || 0;
    for (const e of [...this.events].reverse()) {
      const d = e.data || {};
      if (!d.id || (Date.parse(e.at) || 0) <= asOf) continue;
      const j = { id: d.id, name: d.name, stream: d.stream, workstation: d.workstation, internalStatus: d.internalStatus || (e.kind === 'job_abended' ? 'ABEND' : '') };
      if ((e.kind === 'job_abended' || e.kind === 'job_failed') && !failed.some((x) => x.id === d.id)) failed.unshift(j);
      if (e.kind === 'critical_at_risk' && !critical.some((x) => x.id === d.id)) critical.unshift(j);
    }
    list('dash-failed', failed, (j) => [chip(j, { lookup: false }), ' ', badge(j.internalStatus), ' ', h('span', { class: 'muted' }, j.stream ? streamLink(j.stream) : '', j.stream && j.workstation ? ' · ' : '', j.workstation ? wsLink(j.workstation) : '')]);
    list('dash-late', sum.lateStreams, (st) => [streamLink(st.name), ' ', badge(st.status), ' ', h('span', { class: 'muted' }, 'deadline ', when(st.deadline, { rel: true }))]);
    list('dash-unlinked', sum.unlinkedWorkstations, (w) => [wsLink(w.name), ' ', h('span', { class: 'muted' }, w.type + (w.running ? ', running' : ', stopped'))]);
    list('dash-critical', critical, (j) => [chip(j, { lookup: false }), ' ', badge(j.internalStatus), j.risk ? ' ' + j.risk : '']);
  }

  renderEvents() {
    list('dash-events', this.events.slice(0, 30), (e) => {
      const d = e.data || {};
      const name = d.name || d.job || d.stream || d.workstation || '';
      const target = d.id && /^job_/.test(e.kind) ? h('a', { href: '#/jobs/' + encodeURIComponent(d.id) }, name || d.id) : name;
      return [h('span', { class: 'badge' }, e.kind), ' ', target, ' ', h('span', { class: 'muted' }, when(e.at, { rel: true })), d.message ? ' — ' + d.message : ''];
    });
  }
}

function list(id, items, row) {
  const el = $(id);
  if (!items || !items.length) { fill(el, h('li', { class: 'muted' }, 'None')); return; }
  fill(el, items.map((it) => h('li', {}, row(it))));
}

/** barChart draws horizontal bars, one per key, as an accessible SVG. */
export function barChart(counts, title) {
  const rows = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const max = Math.max(1, ...rows.map((r) => r[1]));
  const rowH = 18, labelW = 110, barW = 180, width = labelW + barW + 40;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${rows.length * rowH + 4}`, role: 'img', 'aria-label': title + ': ' + rows.map(([k, v]) => `${k} ${v}`).join(', ') });
  rows.forEach(([k, v], i) => {
    const y = i * rowH + 2;
    const w = Math.max(1, Math.round((v / max) * barW));
    svg.append(
      s('text', { x: labelW - 6, y: y + 12, 'text-anchor': 'end' }, k),
      s('rect', { class: 'bar ' + k, x: labelW, y: y + 2, width: w, height: rowH - 5, rx: 2 }),
      s('text', { x: labelW + w + 4, y: y + 12 }, String(v)),
    );
  });
  return svg;
}
