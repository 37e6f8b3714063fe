// audit.js — admins: the audit trail (GET /api/v1/admin/audit), a page at
// a time, newest first, filtered by user, action, outcome and time range
// (the range typed in the plan's zone), and exported as CSV by the server
// (?format=csv: every matching entry, not only the page shown).
import { h, $, fill, labelCells } from './dom.js';
import { api } from './api.js';
import { when, zonedInstant, planZone } from './time.js';

const ACTIONS = ['proposal:', 'confirm', 'cancel', 'execute:', 'execute:rerun', 'execute:hold', 'execute:release', 'execute:cancel', 'execute:kill',
  'execute:confirm-succ', 'execute:confirm-abend', 'cache:invalidate', 'document:', 'review:'];
const OUTCOMES = ['ok', 'failed', 'refused', 'proposed', 'accepted', 'canceled', 'replayed', 'removed'];
const COLUMNS = [['Time', 'time'], ['User', 'user'], ['Action', 'action'], ['Targets', 'targets'], ['Justification', 'just'], ['Result', 'result']];

export class Audit {
  constructor(root) {
    this.root = root;
    this.cursors = ['']; // cursor of each page seen; the last is the page shown
    this.next = '';
    this.built = false;
  }

  field(id, label, input) {
    input.id = id;
    return h('div', {}, h('label', { for: id }, label), input);
  }

  build() {
    this.user = h('input', { type: 'search', maxlength: 128, autocomplete: 'off', placeholder: 'exact user name' });
    this.action = h('input', { type: 'search', maxlength: 64, list: 'audit-actions', autocomplete: 'off', placeholder: 'e.g. execute:' });
    this.outcome = h('select', {}, h('option', { value: '' }, 'Any'), OUTCOMES.map((o) => h('option', { value: o }, o)));
    this.from = h('input', { type: 'datetime-local' });
    this.to = h('input', { type: 'datetime-local' });
    this.size = h('select', {}, [25, 50, 100].map((n) => h('option', { value: n }, String(n))));
    this.status = h('p', { class: 'muted', role: 'status', id: 'audit-status' });
    this.table = h('div', { class: 'scroll', id: 'audit-rows' });
    this.prev = h('button', { type: 'button', class: 'secondary', id: 'audit-prev' }, 'Previous page');
    this.nextBtn = h('button', { type: 'button', class: 'secondary', id: 'audit-next' }, 'Next page');
    this.pageNo = h('span', { class: 'muted', id: 'audit-page' });
    this.csv = h('button', { type: 'button', id: 'audit-csv' }, 'Export CSV');
    this.prev.addEventListener('click', () => { if (this.cursors.length > 1) { this.cursors.pop(); this.load(); } });
    this.nextBtn.addEventListener('click', () => { if (this.next) { this.cursors.push(this.next); this.load(); } });
    this.csv.addEventListener('click', () => this.export());
    const form = h('form', { class: 'filters audit-filters', 'aria-label': 'Audit filters' },
      this.field('audit-user', 'User', this.user),
      this.field('audit-action', 'Action', this.action),
      h('datalist', { id: 'audit-actions' }, ACTIONS.map((a) => h('option', { value: a }))),
      this.field('audit-outcome', 'Outcome', this.outcome),
      this.field('audit-from', 'From (' + planZone() + ')', this.from),
      this.field('audit-to', 'To (' + planZone() + ')', this.to),
      this.field('audit-size', 'Rows per page', this.size),
      h('div', { class: 'buttons' }, h('button', { type: 'submit', id: 'audit-apply' }, 'Apply'),
        h('button', { type: 'reset', class: 'secondary', id: 'audit-reset' }, 'Clear')));
    form.addEventListener('submit', (e) => { e.preventDefault(); this.restart(); });
    form.addEventListener('reset', () => setTimeout(() => this.restart()));
    for (const el of [this.outcome, this.size]) el.addEventListener('change', () => this.restart());
    fill(this.root, form, this.status, this.table,
      h('div', { class: 'buttons pager', role: 'group', 'aria-label': 'Audit pages' }, this.prev, this.pageNo, this.nextBtn, this.csv));
    this.built = true;
  }

  /** show builds the view once and loads the first page with the filters set. */
  show() {
    if (!this.built) this.build();
    this.restart();
  }

  restart() {
    this.cursors = [''];
    this.load();
  }

  /** query returns the filters as a query string, or throws on a bad range. */
  query(extra = {}) {
    const q = new URLSearchParams();
    const set = (k, v) => { if (v) q.set(k, v); };
    set('user', this.user.value.trim());
    set('action', this.action.value.trim());
    set('outcome', this.outcome.value);
    for (const [k, el] of [['from', this.from], ['to', this.to]]) {
      if (!el.value) continue;
      const d = zonedInstant(el.value);
      if (!d) throw new Error('the ' + k + ' time is not a date and time');
      q.set(k, d.toISOString().replace('.000Z', 'Z'));
    }
    for (const [k, v] of Object.entries(extra)) set(k, v);
    return q.toString();
  }

  async load() {
    const cursor = this.cursors[this.cursors.length - 1];
    let qs;
    try {
      qs = this.query({ limit: this.size.value, cursor });
    } catch (err) {
      this.status.textContent = 'Check the filters: ' + err.message + '.';
      return;
    }
    this.status.textContent = 'Loading…';
    let d;
    try {
      d = await api('/api/v1/admin/audit?' + qs);
    } catch (err) {
      this.status.textContent = 'Could not load the audit trail: ' + err.message;
      return;
    }
    const rows = (d && d.entries) || [];
    this.next = (d && d.next) || '';
    this.status.textContent = rows.length ? rows.length + ' entries on this page' : 'No entries.';
    this.pageNo.textContent = 'Page ' + this.cursors.length;
    this.prev.disabled = this.cursors.length === 1;
    this.nextBtn.disabled = !this.next;
    fill(this.table, rows.length ? this.render(rows) : null);
  }

  render(rows) {
    const t = h('table', { class: 'table audit' },
      h('colgroup', {}, COLUMNS.map(([, c]) => h('col', { class: 'c-' + c }))),
      h('thead', {}, h('tr', {}, COLUMNS.map(([c]) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((e) => h('tr', { 'data-id': e.id },
        h('td', { class: 'time' }, when(e.time, { date: true })),
        h('td', { class: 'user' }, e.user),
        h('td', { class: 'action' }, e.action),
        h('td', { class: 'targets' }, (e.targets || []).join(', ')),
        h('td', { class: 'just' }, e.justification || '', e.ticket ? [' ', h('span', { class: 'badge' }, e.ticket)] : ''),
        h('td', { class: 'result' }, e.result || '')))));
    labelCells(t);
    return t;
  }

  // export asks the server for every entry matching the filters as CSV
  // (the paging is ignored there) and saves it as a file.
  async export() {
    let qs;
    try {
      qs = this.query({ format: 'csv' });
    } catch (err) {
      this.status.textContent = 'Check the filters: ' + err.message + '.';
      return;
    }
    this.csv.disabled = true;
    try {
      const text = await api('/api/v1/admin/audit?' + qs);
      const csv = typeof text === 'string' ? text : '';
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const a = h('a', { href: url, download: 'resync-audit-' + stamp + '.csv', hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      const n = Math.max(0, records(csv) - 1);
      this.status.textContent = 'Exported ' + n + ' entries as CSV.';
    } catch (err) {
      this.status.textContent = 'Could not export: ' + err.message;
    } finally {
      this.csv.disabled = false;
    }
  }
}

// records counts the CSV's records: newlines outside quoted fields.
function records(csv) {
  let n = 0;
  let quoted = false;
  for (const c of csv.trimEnd()) {
    if (c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) n++;
  }
  return csv.trim() ? n + 1 : 0;
}
