// search.js — one search box for jobs, job streams and workstations, the
// filters (status, workstation, stream, critical) and the pages of a stream
// and of a workstation. Jobs come filtered from GET /api/v1/jobs (the name
// as a *pattern*); streams and workstations are few enough to match here,
// fuzzily (the letters in order, closer runs first).
import { h, $, fill, badge } from './dom.js';
import { api } from './api.js';
import { when } from './time.js';
import { chip } from './chips.js';

const STATUSES = ['', 'ERROR', 'RUNNING', 'HELD', 'WAITING', 'READY', 'SUCCESSFUL', 'CANCELED', 'BLOCKED'];

/** fuzzy scores name against q: 0 is no match, higher is better. */
export function fuzzy(name, q) {
  const n = String(name || '').toLowerCase();
  const s = String(q || '').toLowerCase().replace(/\s+/g, '');
  if (!s) return 1;
  const at = n.indexOf(s);
  if (at >= 0) return 1000 - at - (n.length - s.length); // a substring: best, earliest, shortest
  let i = 0;
  let gaps = 0;
  let last = -1;
  for (const c of s) {
    const k = n.indexOf(c, i);
    if (k < 0) return 0;
    if (last >= 0) gaps += k - last - 1;
    last = k;
    i = k + 1;
  }
  return Math.max(1, 500 - gaps * 5 - n.length);
}

/** params reads the search page's state from the address: #/search?q=&status=&workstation=&stream=&critical=1 */
function params() {
  const i = location.hash.indexOf('?');
  return new URLSearchParams(i >= 0 ? location.hash.slice(i + 1) : '');
}

let lists = null; // {streams, workstations} of this sign-in, loaded once per search session

async function catalog(fresh) {
  if (!lists || fresh) {
    const [st, ws] = await Promise.all([api('/api/v1/jobstreams'), api('/api/v1/workstations')]);
    lists = { streams: (st && st.items) || [], workstations: (ws && ws.items) || [] };
  }
  return lists;
}

/** resetSearch forgets the lists (a sign-out). */
export function resetSearch() {
  lists = null;
}

/** showSearch renders #/search with the address's query and filters. */
export async function showSearch() {
  const p = params();
  const q = (p.get('q') || '').trim();
  const body = $('search-body');
  const form = filters(p);
  const out = h('div', { class: 'results', 'aria-live': 'polite' }, h('p', { class: 'muted', role: 'status' }, 'Searching…'));
  fill(body, form, out);
  $('search-q').value = q;
  let cat;
  try {
    cat = await catalog(false);
  } catch (err) {
    fill(out, h('p', { class: 'error', role: 'alert' }, 'Could not search: ' + err.message));
    return;
  }
  fillOptions(form, cat, p);
  const jq = new URLSearchParams({ limit: '50' });
  if (q) jq.set('name', /[*?]/.test(q) ? q : '*' + q + '*');
  for (const k of ['status', 'workstation', 'stream']) if (p.get(k)) jq.set(k, p.get(k));
  if (p.get('critical') === '1') jq.set('critical', 'true');
  const rank = (items) => items.map((x) => [fuzzy(x.name, q), x]).filter(([s]) => s > 0).sort((a, b) => b[0] - a[0]).slice(0, 20).map(([, x]) => x);
  const streams = q || p.get('workstation') ? rank(cat.streams.filter((x) => !p.get('workstation') || x.workstation === p.get('workstation'))) : [];
  const wss = q ? rank(cat.workstations) : [];
  let jobs = { items: [], total: 0 };
  try {
    jobs = await api('/api/v1/jobs?' + jq.toString());
  } catch (err) {
    jobs = { items: [], total: 0, error: err.message };
  }
  fill(out,
    h('section', { 'aria-labelledby': 'res-jobs' }, h('h3', { id: 'res-jobs' }, 'Jobs ', h('span', { class: 'muted count' }, jobs.total > jobs.items.length ? `${jobs.items.length} of ${jobs.total}` : String(jobs.items.length))),
      jobs.error ? h('p', { class: 'error' }, jobs.error) : null,
      jobs.items.length ? jobTable(jobs.items) : h('p', { class: 'muted' }, 'No job matches.')),
    q || streams.length ? h('section', { 'aria-labelledby': 'res-streams' }, h('h3', { id: 'res-streams' }, 'Job streams ', h('span', { class: 'muted count' }, String(streams.length))),
      streams.length ? h('ul', { class: 'list res-streams' }, streams.map((x) => h('li', {}, streamLink(x.name), ' ', badge(x.status), x.late ? h('span', { class: 'badge crit' }, 'late') : '', ' ', h('span', { class: 'muted' }, x.workstation || '')))) : h('p', { class: 'muted' }, 'No job stream matches.')) : null,
    q ? h('section', { 'aria-labelledby': 'res-ws' }, h('h3', { id: 'res-ws' }, 'Workstations ', h('span', { class: 'muted count' }, String(wss.length))),
      wss.length ? h('ul', { class: 'list res-ws' }, wss.map((x) => h('li', {}, wsLink(x.name), ' ', h('span', { class: 'muted' }, x.type + (x.linked ? ', linked' : ', unlinked'))))) : h('p', { class: 'muted' }, 'No workstation matches.')) : null);
}

function filters(p) {
  const sel = (id, label, opts, v) => [h('label', { for: id }, label), h('select', { id, name: id.replace('f-', '') }, opts.map((o) => h('option', { value: o, selected: o === v }, o || 'any')))];
  const form = h('form', { class: 'card filters', role: 'search', 'aria-label': 'Search the plan' },
    h('div', {}, h('label', { for: 'search-q' }, 'Name'), h('input', { id: 'search-q', name: 'q', type: 'search', autocomplete: 'off', placeholder: 'job, stream or workstation' })),
    h('div', {}, sel('f-status', 'Status', STATUSES, p.get('status') || '')),
    h('div', {}, sel('f-workstation', 'Workstation', [''], '')),
    h('div', {}, sel('f-stream', 'Stream', [''], '')),
    h('div', { class: 'check' }, h('input', { id: 'f-critical', type: 'checkbox', name: 'critical', checked: p.get('critical') === '1' }), h('label', { for: 'f-critical' }, 'Critical only')),
    h('div', {}, h('button', { type: 'submit' }, 'Search')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    go(form);
  });
  form.addEventListener('change', (e) => { if (e.target.tagName === 'SELECT' || e.target.type === 'checkbox') go(form); });
  return form;
}

function go(form) {
  const n = new URLSearchParams();
  const q = form.querySelector('#search-q').value.trim();
  if (q) n.set('q', q);
  for (const k of ['status', 'workstation', 'stream']) {
    const v = form.querySelector('#f-' + k).value;
    if (v) n.set(k, v);
  }
  if (form.querySelector('#f-critical').checked) n.set('critical', '1');
  location.hash = '#/search?' + n.toString();
}

function fillOptions(form, cat, p) {
  const put = (id, names, v) => {
    const el = form.querySelector('#' + id);
    fill(el, h('option', { value: '' }, 'any'), [...new Set(names)].sort().map((n) => h('option', { value: n, selected: n === v }, n)));
  };
  put('f-workstation', cat.workstations.map((w) => w.name), p.get('workstation') || '');
  put('f-stream', cat.streams.map((s) => s.name), p.get('stream') || '');
}

function jobTable(items) {
  return h('div', { class: 'scroll' }, h('table', { class: 'table res-jobs' },
    h('thead', {}, h('tr', {}, ['Job', 'Status', 'Stream', 'Workstation', 'Scheduled'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, items.map((j) => h('tr', {},
      h('td', {}, chip(j, { lookup: false }), j.critical ? h('span', { class: 'badge crit' }, 'critical') : ''),
      h('td', {}, badge(j.status), ' ', badge(j.internalStatus)),
      h('td', {}, j.stream ? streamLink(j.stream) : ''),
      h('td', {}, j.workstation ? wsLink(j.workstation) : ''),
      h('td', {}, when(j.schedTime)))))));
}

export function streamLink(name) {
  return h('a', { href: '#/streams/' + encodeURIComponent(name) }, name);
}

export function wsLink(name) {
  return h('a', { href: '#/workstations/' + encodeURIComponent(name) }, name);
}

/** showStream renders #/streams/{name}: the stream and its jobs. */
export async function showStream(name) {
  await objectPage('Job stream ' + name, async () => {
    const [cat, jobs] = await Promise.all([catalog(true), api('/api/v1/jobs?limit=200&stream=' + encodeURIComponent(name))]);
    const st = cat.streams.filter((x) => x.name === name);
    return [
      st.map((x) => h('div', { class: 'card' }, h('dl', { class: 'kv' },
        kv('Status', [badge(x.status), ' ', badge(x.internalStatus)]), kv('Workstation', x.workstation ? wsLink(x.workstation) : ''),
        kv('Late', x.late ? 'yes' : 'no'), kv('Scheduled', when(x.schedTime)), kv('Deadline', when(x.deadline, { rel: true })), kv('Id', h('code', {}, x.id))))),
      st.length ? null : h('p', { class: 'muted' }, 'No job stream of that name in the plan.'),
      h('div', { class: 'card' }, h('h3', {}, 'Jobs'), jobs.items.length ? jobTable(jobs.items) : h('p', { class: 'muted' }, 'None.')),
      jobs.items.length ? streamGraph(name, jobs.items) : null,
    ];
  });
}

// streamGraph is the stream's dependency picture: its jobs, what they wait
// on and what waits on them (graph.js and dagre load on first use).
function streamGraph(name, jobs) {
  const el = h('div', { class: 'dg' });
  import('./graph.js').then((g) => g.mount(el, async () => jobs.map((j) => j.id), { title: 'Dependencies of job stream ' + name, depth: 1, rootLabel: 'a job of the stream', idPrefix: 'dg-stream' }),
    (err) => fill(el, h('p', { class: 'error', role: 'alert' }, 'Could not load the picture: ' + err.message)));
  return h('div', { class: 'card', id: 'stream-graph' }, h('h3', {}, 'Dependency picture'), el);
}

/** showWorkstation renders #/workstations/{name}: its state, streams and jobs. */
export async function showWorkstation(name) {
  await objectPage('Workstation ' + name, async () => {
    const [cat, jobs] = await Promise.all([catalog(true), api('/api/v1/jobs?limit=200&workstation=' + encodeURIComponent(name))]);
    const ws = cat.workstations.find((x) => x.name === name);
    const streams = cat.streams.filter((x) => x.workstation === name);
    return [
      ws ? h('div', { class: 'card' }, h('dl', { class: 'kv' },
        kv('Type', ws.type), kv('OS', ws.os), kv('Linked', ws.linked ? 'yes' : h('strong', { class: 'error' }, 'no')), kv('Running', ws.running ? 'yes' : 'no'),
        kv('Limit', String(ws.limit)), kv('Fence', String(ws.fence)), kv('Id', h('code', {}, ws.id)))) : h('p', { class: 'muted' }, 'No workstation of that name in the plan.'),
      h('div', { class: 'card' }, h('h3', {}, 'Job streams'), streams.length ? h('ul', { class: 'list' }, streams.map((x) => h('li', {}, streamLink(x.name), ' ', badge(x.status)))) : h('p', { class: 'muted' }, 'None.')),
      h('div', { class: 'card' }, h('h3', {}, 'Jobs'), jobs.items.length ? jobTable(jobs.items) : h('p', { class: 'muted' }, 'None.')),
    ];
  });
}

async function objectPage(title, build) {
  $('obj-h').textContent = title;
  const body = $('obj-body');
  fill(body, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  try {
    fill(body, ...(await build()));
  } catch (err) {
    fill(body, h('p', { class: 'error', role: 'alert' }, 'Could not load: ' + err.message));
  }
}

function kv(k, v) {
  return [h('dt', {}, k), h('dd', {}, v || '—')];
}
