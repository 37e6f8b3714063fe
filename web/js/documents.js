// documents.js — runbooks: upload straight to S3 through a presigned URL
// (with a progress bar), the list with ingest status, delete. The list
// refreshes on "ingest" event frames and after an upload; it does not poll.
import { h, $, fill, badge } from './dom.js';
import { api } from './api.js';
import { when } from './time.js';
import { render } from './markdown.js';

export class Documents {
  constructor(socket) {
    this.highlight = '';
    $('upload').addEventListener('submit', (e) => { e.preventDefault(); this.upload(); });
    socket.addEventListener('frame', (e) => {
      if (e.detail.type === 'event' && e.detail.kind === 'ingest' && this.visible) this.load();
    });
  }

  /** show lists the documents; id ("ID" or "ID?section=S", from a citation) is highlighted. */
  show(id) {
    this.visible = true;
    const [doc, qs = ''] = String(id || '').split('?');
    this.highlight = doc;
    this.section = new URLSearchParams(qs).get('section') || '';
    this.load();
  }

  hide() { this.visible = false; }

  async load() {
    try {
      const d = await api('/api/v1/documents');
      $('docs-note').textContent = d.available === false ? (d.note || 'Document storage is not configured.') : '';
      $('upload').hidden = d.available === false;
      const docs = d.documents || [];
      const mine = this.uploaded && docs.find((x) => x.id === this.uploaded);
      if (mine && (mine.status === 'ingested' || mine.status === 'failed')) {
        $('upload-status').textContent = mine.status === 'ingested'
          ? `${mine.name} is ingested (${mine.chunks} chunks).`
          : `${mine.name} failed: ${mine.reason || 'unknown reason'}.`;
        this.uploaded = '';
      }
      fill($('docs-list'), docs.length ? docs.map((doc) => this.row(doc)) : h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No documents.')));
      this.openCited();
    } catch (err) {
      $('docs-note').textContent = 'Could not list the documents: ' + err.message;
    }
  }

  // openCited marks the cited runbook's row and opens its text
  // (GET /api/v1/documents/{id}/sections) at the cited section, once per
  // visit of #/documents/{id}.
  openCited() {
    const tr = this.highlight && document.getElementById('doc-' + this.highlight);
    if (!tr) return;
    if (this.section && !tr.querySelector('.cited-section')) {
      tr.cells[0].append(h('span', { class: 'cited-section' }, ' — cited: § ' + this.section));
    }
    if (this.opened === this.highlight + '\x00' + this.section) return;
    this.opened = this.highlight + '\x00' + this.section;
    this.openText(this.highlight, this.section);
  }

  async openText(id, section) {
    let view = $('doc-view');
    if (!view) {
      view = h('section', { id: 'doc-view', class: 'card doc-view', 'aria-labelledby': 'doc-view-h' });
      $('docs-note').after(view);
    }
    fill(view, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
    let d;
    try {
      d = await api('/api/v1/documents/' + encodeURIComponent(id) + '/sections');
    } catch (err) {
      fill(view, h('p', { class: 'error' }, 'Could not open the runbook: ' + err.message));
      return;
    }
    const secs = d.sections || [];
    let first = null;
    const parts = secs.map((x, i) => {
      const cited = !!section && x.section === section;
      const body = h('div', { class: 'doc-text' });
      body.innerHTML = render(x.text);
      const head = i === 0 || secs[i - 1].section !== x.section ? h('h4', {}, x.section || '(untitled)') : null;
      const el = h('div', { class: 'doc-section' + (cited ? ' cited' : ''), id: 'sec-' + x.ordinal, tabindex: cited ? '-1' : undefined, 'data-section': x.section }, head, body);
      if (cited && !first) first = el;
      return el;
    });
    fill(view,
      h('div', { class: 'doc-view-head' }, h('h3', { id: 'doc-view-h' }, d.document ? d.document.name : id),
        h('button', { type: 'button', class: 'secondary', onclick: () => { view.remove(); this.opened = ''; } }, 'Close')),
      section ? h('p', { class: 'muted' }, first ? 'The cited section is marked.' : 'The cited section (' + section + ') is not in this version of the runbook.') : null,
      parts.length ? parts : h('p', { class: 'muted' }, 'This runbook has no text yet (it may still be ingesting).'));
    if (first) {
      first.scrollIntoView({ block: 'start' });
      first.focus({ preventScroll: true });
    }
  }

  row(doc) {
    const del = h('button', { type: 'button', class: 'secondary', 'aria-label': 'Delete ' + doc.name }, 'Delete');
    del.addEventListener('click', async () => {
      if (!window.confirm('Delete ' + doc.name + '? It leaves the knowledge base.')) return;
      del.disabled = true;
      try {
        await api('/api/v1/documents/' + encodeURIComponent(doc.id), { method: 'DELETE' });
        this.load();
      } catch (err) {
        del.disabled = false;
        $('docs-note').textContent = 'Delete failed: ' + err.message;
      }
    });
    return h('tr', { id: 'doc-' + doc.id, class: doc.id === this.highlight ? 'hl' : '' },
      h('td', {}, doc.name), h('td', {}, badge(doc.status), doc.reason ? ' ' + doc.reason : ''),
      h('td', {}, doc.chunks), h('td', {}, when(doc.createdAt), doc.uploadedBy ? ' by ' + doc.uploadedBy : ''), h('td', {}, del));
  }

  async upload() {
    const file = $('upload-file').files[0];
    const bar = $('upload-progress');
    const status = $('upload-status');
    if (!file) return;
    const type = file.type || (/\.md$/i.test(file.name) ? 'text/markdown' : 'text/plain');
    try {
      const u = await api('/api/v1/documents/upload-url', { method: 'POST', body: { name: file.name, contentType: type, size: file.size } });
      bar.hidden = false;
      bar.value = 0;
      status.textContent = 'Uploading ' + file.name + '…';
      await put(u, file, (p) => { bar.value = p; });
      status.textContent = 'Uploaded ' + file.name + '; ingesting.';
      this.uploaded = u.documentId;
      $('upload-file').value = '';
      this.load();
    } catch (err) {
      status.textContent = 'Upload failed: ' + err.message;
    }
  }
}

function put(u, file, progress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open(u.method || 'PUT', u.url);
    for (const [k, v] of Object.entries(u.headers || {})) {
      if (!/^(host|content-length)$/i.test(k)) x.setRequestHeader(k, v);
    }
    x.upload.addEventListener('progress', (e) => { if (e.lengthComputable) progress(Math.round((e.loaded / e.total) * 100)); });
    x.addEventListener('load', () => (x.status >= 200 && x.status < 300 ? (progress(100), resolve()) : reject(new Error('S3 answered ' + x.status))));
    x.addEventListener('error', () => reject(new Error('network error')));
    x.send(file);
  });
}
