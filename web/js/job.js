// job.js — one job: status, the actions its state and the user's role
// allow, runs, why it waits, dependencies, impact, the dependency picture
// (graph.js), log tail.
import { h, $, fill, badge, labelCells } from './dom.js';
import { api } from './api.js';
import { atLeast } from './auth.js';
import { when } from './time.js';
import { chip, forget } from './chips.js';
import { actionLabel } from './proposal.js';
import { logView, parseLines, scrollToCited } from './citations.js';

// Internal statuses, as the simulator (and HWA) decide what applies:
// ended jobs rerun; jobs not started hold, release and cancel; running
// jobs are killed; any job but a canceled one can be confirmed SUCC/ABEND.
const ENDED = new Set(['SUCC', 'SUCCP', 'ABEND', 'ABENP', 'FAIL', 'CANCL', 'CANCLP', 'SUPPR', 'ERROR']);
const NOT_STARTED = new Set(['HOLD', 'READY', 'WAIT', 'INTRO', 'PEND', 'PENDPRED', 'FENCE', 'ADD']);

/** offered returns the actions that apply to job j with its runs, in button order. */
export function offered(j, runs) {
  const i = j.internalStatus || '';
  const held = j.status === 'HELD' || (NOT_STARTED.has(i) && j.priority === 0);
  const out = [];
  if (ENDED.has(i) && (runs || []).length) out.push('rerun');
  if (NOT_STARTED.has(i) && !held) out.push('hold');
  if (held) out.push('release');
  if (NOT_STARTED.has(i)) out.push('cancel');
  if (i === 'EXEC') out.push('kill');
  if (!i.startsWith('CANCL') && i !== 'SUCC') out.push('confirm-succ');
  if (!i.startsWith('CANCL') && i !== 'ABEND') out.push('confirm-abend');
  return out;
}

/**
 * showJob renders job id. ctx: {session(), dialog, cite} — the proposal
 * dialog the action buttons open, and a log citation to open at (cite:
 * URLSearchParams with log, tail, lines, run); notice: a line to show
 * first (an outcome).
 */
export async function showJob(id, ctx, notice) {
  const body = $('job-body');
  if (!notice) fill(body, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  const enc = encodeURIComponent(id);
  const cite = (ctx && ctx.cite) || new URLSearchParams();
  const tail = /^\d{1,5}$/.test(cite.get('tail') || '') ? '?tail=' + cite.get('tail') : '';
  const [job, impact, why] = await Promise.allSettled([
    api('/api/v1/jobs/' + enc),
    api('/api/v1/jobs/' + enc + '/impact'),
    api('/api/v1/jobs/' + enc + '/why'),
  ]);
  // A job that has not started has no log: not asked for (the API would
  // answer 404, which the browser reports as an error).
  const started = job.status === 'fulfilled' && job.value.job.lastRun && job.value.job.lastRun.start;
  const [log] = await Promise.allSettled([started ? api('/api/v1/jobs/' + enc + '/log' + tail) : Promise.reject(new Error('it has not run yet'))]);
  if (job.status === 'rejected') {
    fill(body, h('p', { class: 'error', role: 'alert' }, 'Could not load the job: ' + job.reason.message));
    return;
  }
  const d = job.value;
  const j = d.job;
  $('job-h').textContent = 'Job ' + j.name;
  const sections = [
    notice || null,
    h('div', { class: 'card' },
      h('dl', { class: 'kv' },
        kv('Status', [badge(j.status), ' ', badge(j.internalStatus)]),
        kv('Id', h('code', {}, j.id)),
        kv('Stream', j.stream ? h('a', { href: '#/streams/' + encodeURIComponent(j.stream) }, j.stream) : ''),
        kv('Workstation', j.workstation ? h('a', { href: '#/workstations/' + encodeURIComponent(j.workstation) }, j.workstation) : ''),
        kv('Key', j.key),
        kv('Critical', j.critical ? 'yes' : 'no'), kv('Late', j.late ? 'yes' : 'no'),
        kv('Scheduled', when(j.schedTime)), kv('Deadline', when(j.deadline, { rel: true })))),
    actions(j, d.runs, ctx, id),
    h('div', { class: 'card' }, h('h3', {}, 'Runs'),
      h('div', { class: 'scroll' }, labelCells(h('table', { class: 'table runs' },
        h('thead', {}, h('tr', {}, ['Run', 'Status', 'RC', 'Start', 'End', 'Type'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, (d.runs || []).map((r) => h('tr', {},
          h('td', {}, r.number), h('td', {}, badge(r.internalStatus)), h('td', {}, r.returnCode),
          h('td', {}, when(r.start)), h('td', {}, when(r.end)), h('td', {}, r.rerunType || '')))))))),
  ];
  const w = why.status === 'fulfilled' ? why.value : d.waiting;
  if (w) {
    sections.push(h('div', { class: 'card' }, h('h3', {}, 'Why it waits'),
      h('p', {}, w.waiting ? (w.reason || 'waiting') : 'Not waiting.'),
      (w.blockers || []).length ? h('ul', { class: 'list' }, w.blockers.map((b) => h('li', {}, b.jobId ? chip({ id: b.jobId, name: b.jobName, internalStatus: b.predecessorStatus }) : (b.name || b.streamName || b.type)))) : null,
      w.note ? h('p', { class: 'muted' }, w.note) : null));
  }
  sections.push(h('div', { class: 'card' }, h('h3', {}, 'Dependencies'),
    (d.dependencies || []).length ? h('ul', { class: 'list' }, d.dependencies.map((dep) => h('li', {}, dep.type, ' ',
      dep.jobId ? chip({ id: dep.jobId, name: dep.jobName, internalStatus: dep.predecessorStatus }) : (dep.name || dep.streamName || ''),
      ' ', dep.satisfied ? h('span', { class: 'ok' }, 'satisfied') : h('span', { class: 'error' }, 'not satisfied')))) : h('p', { class: 'muted' }, 'None.')));
  if (impact.status === 'fulfilled') {
    const im = impact.value;
    sections.push(h('div', { class: 'card' }, h('h3', {}, 'Impact'),
      im.summary ? h('p', {}, im.summary) : null,
      (im.successors || []).length ? h('ul', { class: 'list' }, im.successors.map((x) => h('li', {}, chip(x), x.critical ? h('span', { class: 'badge crit' }, 'critical') : ''))) : h('p', { class: 'muted' }, 'No successors.'),
      im.note ? h('p', { class: 'muted' }, im.note) : null));
  }
  // The dependency picture: graph.js and dagre load on first use.
  const pic = h('div', { class: 'card', id: 'job-graph' }, h('h3', {}, 'Dependency picture'), h('div', { class: 'dg' }));
  sections.push(pic);
  import('./graph.js').then((g) => g.mount(pic.querySelector('.dg'), async () => [j.id], { title: 'Dependencies of ' + j.name, idPrefix: 'dg-job' }),
    (err) => fill(pic.querySelector('.dg'), h('p', { class: 'error', role: 'alert' }, 'Could not load the picture: ' + err.message)));
  const cited = cite.get('log') ? parseLines(cite.get('lines')) : new Set();
  let pre = null;
  if (log.status === 'fulfilled') pre = log.value.text ? logView(log.value.text, cited) : h('pre', { class: 'log' }, '(empty)');
  const other = cited.size && log.status === 'fulfilled' && cite.get('run') && log.value.runId && cite.get('run') !== log.value.runId;
  sections.push(h('div', { class: 'card', id: 'job-log' }, h('h3', {}, 'Log tail'),
    cited.size ? h('p', { class: 'muted cited-note' }, 'Lines ' + cite.get('lines') + ' cited in the answer are marked.',
      other ? ' The answer read run ' + cite.get('run') + '; this is run ' + log.value.runId + ', a later one.' : '') : null,
    pre || h('p', { class: 'muted' }, 'No log: ' + log.reason.message)));
  fill(body, ...sections);
  if (pre && cited.size) scrollToCited(pre);
}

// actions: the buttons the job's state offers, for operators; each makes a
// proposal (POST /api/v1/proposals) and opens the proposal dialog, where a
// justification and Confirm execute it once.
function actions(j, runs, ctx, id) {
  const s = ctx && ctx.session();
  const can = s && atLeast(s.role, 'operator');
  const list = offered(j, runs);
  if (!can) return h('div', { class: 'card job-actions' }, h('h3', {}, 'Actions'), h('p', { class: 'muted' }, 'Actions need the operator role.'));
  const status = h('p', { class: 'action-status', role: 'status' });
  const buttons = list.map((a) => h('button', {
    type: 'button', class: a === 'kill' || a === 'cancel' ? 'danger' : 'secondary', 'data-action': a,
    onclick: async (e) => {
      const all = e.currentTarget.parentElement.querySelectorAll('button');
      for (const b of all) b.disabled = true;
      status.textContent = 'Preparing the ' + actionLabel(a).toLowerCase() + ' proposal…';
      try {
        const p = await api('/api/v1/proposals', { method: 'POST', body: { action: a, job: j.id } });
        status.textContent = '';
        ctx.dialog.open(p, (out) => {
          forget(j.id);
          const note = out.canceled
            ? h('p', { class: 'muted outcome-note', role: 'status' }, 'Proposal canceled; nothing ran.')
            : h('p', { class: 'outcome' + (out.ok ? '' : ' bad'), role: 'status' }, (out.ok ? 'Done: ' : 'Failed: ') + (out.message || out.action) + (out.replayed ? ' (already done)' : ''));
          showJob(id, ctx, note);
        });
      } catch (err) {
        status.textContent = 'Could not propose ' + actionLabel(a).toLowerCase() + ': ' + err.message;
      } finally {
        for (const b of all) b.disabled = false;
      }
    },
  }, actionLabel(a)));
  return h('div', { class: 'card job-actions' }, h('h3', {}, 'Actions'),
    list.length ? h('div', { class: 'buttons', role: 'group', 'aria-label': 'Actions on ' + j.name }, buttons) : h('p', { class: 'muted' }, 'No action applies in this state.'),
    status);
}

function kv(k, v) {
  return [h('dt', {}, k), h('dd', {}, v || '—')];
}
