// graph.js — the dependency picture of a job or of a job stream: its
// predecessors and successors to a chosen depth, laid out left to right by
// dagre (web/vendor/dagre.esm.js, imported on first use so the first load
// does not carry it) and drawn as SVG here. Each node is a link to its job;
// the critical path is drawn heavy; the root causes a waiting job waits on
// are marked with their reason (abended, held, late, …).
//
// Data, from the existing routes only:
//   successors    GET /api/v1/jobs/{id}/impact?depth=N (the same answer the
//                 job page's Impact card shows: the picture never differs)
//   predecessors  GET /api/v1/jobs/{id} — each job's dependencies, walked
//                 upstream level by level to the depth
//   blockers      GET /api/v1/jobs/{id}/why, for a job that waits
//   edges         each node's dependencies (GET /api/v1/jobs/{id}) that
//                 name another node of the picture
// At most MAX_NODES jobs are drawn; the picture says when it stopped there.
import { h, s, fill } from './dom.js';
import { api } from './api.js';

export const MAX_NODES = 80;
const MAX_SEEDS = 25; // a stream's jobs drawn at most (each costs an impact read)
const PARALLEL = 6;
const NODE_H = 44;

let dagre = null;
let drawn = 0; // gives each picture's markers ids of their own (a hidden page keeps its picture)

// get reads a route, waiting out a rate limit (429) up to three times: a
// big picture reads many jobs, and the per-user read limit has a burst.
async function get(path) {
  for (let i = 0; ; i++) {
    try {
      return await api(path);
    } catch (err) {
      if (err.status !== 429 || i >= 3) throw err;
      await new Promise((r) => setTimeout(r, 1200 * (i + 1)));
    }
  }
}

async function layoutLib() {
  if (!dagre) dagre = (await import('../vendor/dagre.esm.js')).default;
  return dagre;
}

/** pool runs fn over items, at most n at a time. */
async function pool(items, n, fn) {
  const out = [];
  let i = 0;
  const work = async () => {
    while (i < items.length) {
      const k = i++;
      out[k] = await fn(items[k]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, work));
  return out;
}

/**
 * collect reads the picture of seeds (job ids) to depth: {nodes: Map id →
 * node, edges: Map key → edge, successors: ids the impact answers named,
 * truncated}. A node: {id, name, status, internalStatus, critical, role
 * (root | pred | succ), reason (blockers only), criticalDependency}.
 */
export async function collect(seeds, depth, { waiting = true } = {}) {
  const nodes = new Map();
  const edges = new Map();
  const details = new Map();
  const successors = new Set();
  const unread = new Set();
  let truncated = false;
  if (seeds.length > MAX_SEEDS) { seeds = seeds.slice(0, MAX_SEEDS); truncated = true; }
  const detail = (id) => {
    // A job that cannot be read is drawn with what its neighbours say of
    // it, and counted in unread (the status line says so).
    if (!details.has(id)) details.set(id, get('/api/v1/jobs/' + encodeURIComponent(id)).catch(() => { unread.add(id); return null; }));
    return details.get(id);
  };
  const add = (n) => {
    const had = nodes.get(n.id);
    if (had) {
      // What a fuller answer knows wins; a root stays a root.
      for (const [k, v] of Object.entries(n)) if (v !== undefined && v !== '' && k !== 'role' && k !== 'reason') had[k] = v;
      if (n.reason) had.reason = n.reason;
      return true;
    }
    if (nodes.size >= MAX_NODES) { truncated = true; return false; }
    nodes.set(n.id, { ...n });
    return true;
  };
  const edge = (from, to, critical, satisfied) => {
    if (!nodes.has(from) || !nodes.has(to) || from === to) return;
    const k = from + '>' + to;
    const e = edges.get(k) || { from, to, critical: false, satisfied: true };
    e.critical = e.critical || !!critical;
    e.satisfied = e.satisfied && satisfied !== false;
    edges.set(k, e);
  };
  const fromView = (j, role) => ({ id: j.id, name: j.name, status: j.status, internalStatus: j.internalStatus, critical: !!j.critical, stream: j.stream, role });

  const roots = await pool(seeds, PARALLEL, detail);
  roots.forEach((d, i) => add(d ? fromView(d.job, 'root') : { id: seeds[i], name: seeds[i], role: 'root' }));

  // Successors: what the impact answer names, nothing more or less.
  // An impact that cannot be read fails the picture: it never shows fewer
  // successors than the API has.
  const impacts = await pool(seeds, PARALLEL, (id) => get('/api/v1/jobs/' + encodeURIComponent(id) + '/impact?depth=' + depth));
  for (const im of impacts) {
    for (const x of (im && im.successors) || []) {
      successors.add(x.id);
      add({ ...fromView(x, 'succ'), criticalDependency: !!x.criticalDependency });
    }
  }

  // Predecessors, level by level.
  let frontier = [...seeds];
  for (let level = 0; level < depth && frontier.length; level++) {
    const ds = await pool(frontier, PARALLEL, detail);
    const next = [];
    ds.forEach((d, i) => {
      for (const dep of (d && d.dependencies) || []) {
        if (!dep.jobId) continue;
        const fresh = !nodes.has(dep.jobId);
        if (!add({ id: dep.jobId, name: dep.jobName || dep.jobId, internalStatus: dep.predecessorStatus, stream: dep.streamName, role: 'pred' })) continue;
        edge(dep.jobId, frontier[i], dep.critical, dep.satisfied);
        if (fresh) next.push(dep.jobId);
      }
    });
    frontier = next;
  }

  // Why a waiting root waits: the chains to the root causes, marked.
  if (waiting) {
    const waits = roots.map((d, i) => (d && d.waiting && d.waiting.waiting ? seeds[i] : null)).filter(Boolean);
    const whys = await pool(waits, PARALLEL, (id) => get('/api/v1/jobs/' + encodeURIComponent(id) + '/why'));
    whys.forEach((w, i) => {
      for (const b of (w && w.blockers) || []) {
        const chain = (b.chain && b.chain.length ? b.chain : [b.root]).filter((c) => c && c.id);
        let to = waits[i];
        for (const c of chain) {
          if (!add({ ...fromView(c, nodes.has(c.id) ? nodes.get(c.id).role : 'pred') })) break;
          edge(c.id, to, false, false);
          to = c.id;
        }
        if (b.root && nodes.has(b.root.id)) nodes.get(b.root.id).reason = b.reason;
      }
    });
  }

  // Edges among the nodes, from each node's own dependencies (its status too).
  const all = [...nodes.keys()];
  const ds = await pool(all, PARALLEL, detail);
  ds.forEach((d, i) => {
    if (!d) return;
    const n = nodes.get(all[i]);
    n.status = d.job.status || n.status;
    n.internalStatus = d.job.internalStatus || n.internalStatus;
    n.critical = !!d.job.critical;
    n.name = d.job.name || n.name;
    for (const dep of d.dependencies || []) if (dep.jobId) edge(dep.jobId, all[i], dep.critical, dep.satisfied);
  });
  // The critical path downstream: edges into successors reached through
  // critical dependencies only, from a root or another such successor.
  for (const e of edges.values()) {
    const a = nodes.get(e.from);
    const b = nodes.get(e.to);
    if (b.criticalDependency && (a.role === 'root' || a.criticalDependency)) e.critical = true;
  }
  return { nodes, edges, successors, truncated, unread: unread.size };
}

function nodeWidth(n) {
  return Math.min(260, Math.max(120, 8.2 * Math.min(Math.max(String(n.name).length, 14), 30) + 28));
}

function statusLine(n) {
  return [n.internalStatus || n.status || '?', n.reason ? '· ' + n.reason : '', n.critical ? '· critical' : ''].filter(Boolean).join(' ');
}

const FAILED = new Set(['ABEND', 'ABENP', 'FAIL', 'ERROR']);

/** draw lays the picture out left to right and returns its SVG. */
export async function draw(pic, title, rootLabel = 'this job') {
  const k = ++drawn;
  const d = await layoutLib();
  const g = new d.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 56, marginx: 6, marginy: 6 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of pic.nodes.values()) g.setNode(n.id, { width: nodeWidth(n), height: NODE_H });
  for (const e of pic.edges.values()) g.setEdge(e.from, e.to);
  d.layout(g);
  const gg = g.graph();
  const W = Math.ceil(gg.width || 200);
  const H = Math.ceil(gg.height || NODE_H);
  const svg = s('svg', { class: 'depgraph', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'group', 'aria-label': title },
    s('defs', {},
      s('marker', { id: 'dg-arrow-' + k, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'dg-head' })),
      s('marker', { id: 'dg-crit-' + k, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'dg-head crit' }))));
  // Edges first, under the nodes; critical ones last, on top of the others.
  const es = [...pic.edges.values()].sort((a, b) => Number(a.critical) - Number(b.critical));
  for (const e of es) {
    const pts = g.edge(e.from, e.to).points || [];
    if (!pts.length) continue;
    const dpath = 'M' + pts.map((p) => p.x.toFixed(1) + ',' + p.y.toFixed(1)).join(' L');
    svg.append(s('path', {
      d: dpath, class: 'dg-edge' + (e.critical ? ' crit' : '') + (e.satisfied ? '' : ' open'),
      'marker-end': e.critical ? `url(#dg-crit-${k})` : `url(#dg-arrow-${k})`, 'data-from': e.from, 'data-to': e.to,
    }));
  }
  for (const n of pic.nodes.values()) {
    const p = g.node(n.id);
    const w = nodeWidth(n);
    const x = p.x - w / 2;
    const y = p.y - NODE_H / 2;
    const st = n.internalStatus || n.status || '';
    const cls = ['gnode', n.role, FAILED.has(st) || n.status === 'ERROR' ? 'failed' : '', st === 'SUCC' ? 'st-succ' : '', st === 'EXEC' ? 'st-exec' : '',
      n.critical ? 'critical' : '', n.reason ? 'blocker' : ''].filter(Boolean).join(' ');
    const label = n.name + ', ' + { root: rootLabel, pred: 'predecessor', succ: 'successor' }[n.role] + ', ' + statusLine(n) + (n.reason ? ', blocks because ' + n.reason : '');
    const name = String(n.name).length > 30 ? String(n.name).slice(0, 29) + '…' : String(n.name);
    svg.append(s('a', { href: '#/jobs/' + encodeURIComponent(n.id), class: cls, 'data-id': n.id, 'data-role': n.role, 'aria-label': label },
      s('title', {}, label + ' (id ' + n.id + ')'),
      s('rect', { x: x.toFixed(1), y: y.toFixed(1), width: w, height: NODE_H, rx: 6 }),
      s('text', { x: (x + 10).toFixed(1), y: (y + 18).toFixed(1), class: 'dg-name' }, name),
      s('text', { x: (x + 10).toFixed(1), y: (y + 35).toFixed(1), class: 'dg-st' }, statusLine(n))));
  }
  return svg;
}

/**
 * mount shows the picture of the jobs seeds() returns in el, with a depth
 * chooser (1–5; 2 first) and a legend. seeds is async: a stream's jobs are
 * read when the picture is.
 */
export function mount(el, seeds, { title, depth = 2, idPrefix = 'dg', rootLabel = 'this job' } = {}) {
  const sel = h('select', { id: idPrefix + '-depth', class: 'dg-depth' }, [1, 2, 3, 4, 5].map((n) => h('option', { value: n, selected: n === depth }, String(n))));
  const status = h('p', { class: 'muted dg-status', role: 'status' });
  const canvas = h('div', { class: 'scroll dg-canvas', 'data-state': 'loading' });
  const legend = h('ul', { class: 'dg-legend', 'aria-label': 'Legend' },
    h('li', {}, h('span', { class: 'key root' }), rootLabel), h('li', {}, h('span', { class: 'key pred' }), 'predecessor'),
    h('li', {}, h('span', { class: 'key succ' }), 'successor'), h('li', {}, h('span', { class: 'key crit' }), 'critical path'),
    h('li', {}, h('span', { class: 'key blocker' }), 'blocker (with its reason)'), h('li', {}, h('span', { class: 'key open' }), 'dependency not satisfied'));
  let run = 0;
  const render = async () => {
    const mine = ++run;
    canvas.dataset.state = 'loading';
    status.textContent = 'Reading dependencies…';
    try {
      const ids = await seeds();
      const n = Number(sel.value);
      const pic = await collect(ids, n);
      const svg = await draw(pic, title + ', depth ' + n, rootLabel);
      if (mine !== run) return;
      const preds = [...pic.nodes.values()].filter((x) => x.role === 'pred').length;
      const succs = [...pic.nodes.values()].filter((x) => x.role === 'succ').length;
      const crit = [...pic.edges.values()].filter((e) => e.critical).length;
      const blockers = [...pic.nodes.values()].filter((x) => x.reason).length;
      status.textContent = `${preds} predecessor${preds === 1 ? '' : 's'}, ${succs} successor${succs === 1 ? '' : 's'} within ${n} level${n === 1 ? '' : 's'}` +
        (crit ? `, ${crit} critical-path dependenc${crit === 1 ? 'y' : 'ies'}` : '') + (blockers ? `, ${blockers} blocker${blockers === 1 ? '' : 's'}` : '') +
        (pic.truncated ? ` — only the first ${MAX_NODES} jobs (and ${MAX_SEEDS} of a stream's) are drawn` : '') +
        (pic.unread ? ` — ${pic.unread} job${pic.unread === 1 ? '' : 's'} could not be read and show${pic.unread === 1 ? 's' : ''} what ${pic.unread === 1 ? 'its' : 'their'} neighbours say` : '') + '.';
      canvas.dataset.successors = [...pic.successors].sort().join(' ');
      fill(canvas, svg);
      canvas.dataset.state = 'done';
    } catch (err) {
      if (mine !== run) return;
      status.textContent = '';
      fill(canvas, h('p', { class: 'error', role: 'alert' }, 'Could not draw the dependencies: ' + err.message));
      canvas.dataset.state = 'error';
    }
  };
  sel.addEventListener('change', render);
  fill(el, h('div', { class: 'dg-controls' }, h('label', { for: sel.id }, 'Depth'), sel), status, canvas, legend);
  render();
}
