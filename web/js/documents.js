// documents.js — runbooks: upload straight to S3 through a presigned URL
// (with a progress bar), the list with ingest status, delete. The list
// refreshes on "ingest" event frames and after an upload; it does not poll.
import { h, $, fill, badge } from './dom.js';
import { api } from './api.js';
import { when } from './time.js';

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

  // openCited brings the cited runbook's row into view and says which
  // section the answer cited.
  openCited() {
    const tr = this.highlight && document.getElementById('doc-' + this.highlight);
    if (!tr) return;
    if (this.section && !tr.querySelector('.cited-section')) {
      tr.cells[0].append(h('span', { class: 'cited-section' }, ' — cited: § ' + this.section));
    }
    tr.scrollIntoView({ block: 'center' });
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
