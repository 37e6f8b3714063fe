// job.js — one job: status, runs, dependencies, why it waits, impact, log tail.
import { h, $, fill, fmtTime, badge, jobLink } from './dom.js';
import { api } from './api.js';

export async function showJob(id) {
  const body = $('job-body');
  fill(body, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  const [job, log, impact, why] = await Promise.allSettled([
    api('/api/v1/jobs/' + encodeURIComponent(id)),
    api('/api/v1/jobs/' + encodeURIComponent(id) + '/log'),
    api('/api/v1/jobs/' + encodeURIComponent(id) + '/impact'),
    api('/api/v1/jobs/' + encodeURIComponent(id) + '/why'),
  ]);
  if (job.status === 'rejected') {
    fill(body, h('p', { class: 'error', role: 'alert' }, 'Could not load the job: ' + job.reason.message));
    return;
  }
  const d = job.value;
  const j = d.job;
  $('job-h').textContent = 'Job ' + j.name;
  const sections = [
    h('div', { class: 'card' },
      h('dl', { class: 'kv' },
        kv('Status', [badge(j.status), ' ', badge(j.internalStatus)]),
        kv('Stream', j.stream), kv('Workstation', j.workstation), kv('Key', j.key),
        kv('Critical', j.critical ? 'yes' : 'no'), kv('Late', j.late ? 'yes' : 'no'),
        kv('Scheduled', fmtTime(j.schedTime)), kv('Deadline', fmtTime(j.deadline)))),
    h('div', { class: 'card' }, h('h3', {}, 'Runs'),
      h('table', { class: 'table runs' },
        h('thead', {}, h('tr', {}, ['#', 'Status', 'RC', 'Start', 'End', 'Type'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, (d.runs || []).map((r) => h('tr', {},
          h('td', {}, r.number), h('td', {}, badge(r.internalStatus)), h('td', {}, r.returnCode),
          h('td', {}, fmtTime(r.start)), h('td', {}, fmtTime(r.end)), h('td', {}, r.rerunType || '')))))),
  ];
  const w = why.status === 'fulfilled' ? why.value : d.waiting;
  if (w) {
    sections.push(h('div', { class: 'card' }, h('h3', {}, 'Why it waits'),
      h('p', {}, w.waiting ? (w.reason || 'waiting') : 'Not waiting.'),
      (w.blockers || []).length ? h('ul', { class: 'list' }, w.blockers.map((b) => h('li', {}, b.jobId ? jobLink({ id: b.jobId, name: b.jobName }) : (b.name || b.streamName || b.type), ' ', b.predecessorStatus ? badge(b.predecessorStatus) : ''))) : null,
      w.note ? h('p', { class: 'muted' }, w.note) : null));
  }
  sections.push(h('div', { class: 'card' }, h('h3', {}, 'Dependencies'),
    (d.dependencies || []).length ? h('ul', { class: 'list' }, d.dependencies.map((dep) => h('li', {}, dep.type, ' ',
      dep.jobId ? jobLink({ id: dep.jobId, name: dep.jobName }) : (dep.name || dep.streamName || ''),
      ' ', dep.satisfied ? h('span', { class: 'ok' }, 'satisfied') : h('span', { class: 'error' }, 'not satisfied')))) : h('p', { class: 'muted' }, 'None.')));
  if (impact.status === 'fulfilled') {
    const im = impact.value;
    sections.push(h('div', { class: 'card' }, h('h3', {}, 'Impact'),
      (im.successors || []).length ? h('ul', { class: 'list' }, im.successors.map((x) => h('li', {}, jobLink(x), ' ', badge(x.internalStatus), x.critical ? ' critical' : ''))) : h('p', { class: 'muted' }, 'No successors.'),
      im.note ? h('p', { class: 'muted' }, im.note) : null));
  }
  sections.push(h('div', { class: 'card' }, h('h3', {}, 'Log tail'),
    log.status === 'fulfilled'
      ? h('pre', { class: 'log', tabindex: '0', 'aria-label': 'Job log' }, log.value.text || '(empty)')
      : h('p', { class: 'muted' }, 'No log: ' + log.reason.message)));
  fill(body, ...sections);
}

function kv(k, v) {
  return [h('dt', {}, k), h('dd', {}, v || '—')];
}
