// dom.js — small helpers to build DOM nodes without innerHTML.

/** h builds an element: h('a', {href: '#', class: 'x'}, 'text', child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

const SVG = 'http://www.w3.org/2000/svg';

/** s builds an SVG element. */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

export const $ = (id) => document.getElementById(id);

/** clear empties a node and appends children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function badge(status) {
  return h('span', { class: 'badge ' + String(status || '') }, status || '?');
}

export function jobLink(j) {
  return h('a', { href: '#/jobs/' + encodeURIComponent(j.id) }, j.name || j.id);
}

/**
 * labelCells gives each body cell of table the text of its column's
 * header as data-label, which narrow screens show before the value (the
 * header row is hidden there).
 */
export function labelCells(table) {
  const heads = Array.from(table.querySelectorAll('thead th')).map((th) => th.textContent.trim());
  for (const tr of table.querySelectorAll('tbody tr')) {
    Array.from(tr.cells).forEach((td, i) => { if (heads[i]) td.dataset.label = heads[i]; });
  }
  table.classList.add('labelled');
  return table;
}
