// time.js — one way to show a time: in the plan's time zone (HWA's engine
// info, GET /api/v1/plan/info), always with the zone's name, as a <time>
// element whose datetime is the instant and whose title names the zone.
// Relative times ("12 min ago") go beside the clock time where they read
// better (events, expiries), never instead of it.
import { h } from './dom.js';

let zone = 'UTC';
let clock = null; // Intl.DateTimeFormat of the zone
let day = null; // the zone's calendar day, to drop today's date

function formats() {
  if (clock) return;
  const opts = { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' };
  clock = {
    time: new Intl.DateTimeFormat('en-GB', opts),
    date: new Intl.DateTimeFormat('en-GB', { ...opts, day: '2-digit', month: 'short' }),
  };
  day = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
}

/** setZone sets the plan's time zone (an IANA name); an unknown one leaves UTC. */
export function setZone(tz) {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    zone = tz;
  } catch {
    zone = 'UTC';
  }
  clock = null;
  formats();
}

/** planZone returns the plan's time zone. */
export function planZone() {
  return zone;
}

/** zoneName returns the short name of the zone at d (CET, CEST, UTC, GMT-5). */
export function zoneName(d = new Date()) {
  formats();
  const p = clock.time.formatToParts(d).find((x) => x.type === 'timeZoneName');
  return p ? p.value : zone;
}

function parse(t) {
  if (t instanceof Date) return t;
  if (!t) return null;
  const d = new Date(t);
  return isNaN(d) ? null : d;
}

/**
 * clockText is "14:05 CET" for today in the plan's zone, else (or with
 * date) "02 Dec, 14:05 CET".
 */
export function clockText(t, date = false) {
  const d = parse(t);
  if (!d) return t ? String(t) : '';
  formats();
  const today = !date && day.format(d) === day.format(new Date());
  return (today ? clock.time : clock.date).format(d);
}

const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'short' });

/** relative is "12 min ago", "in 5 min", "now". */
export function relative(t, now = Date.now()) {
  const d = parse(t);
  if (!d) return '';
  const s = Math.round((d.getTime() - now) / 1000);
  const a = Math.abs(s);
  if (a < 45) return 'now';
  if (a < 45 * 60) return rtf.format(Math.round(s / 60), 'minute');
  if (a < 22 * 3600) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}

/**
 * when returns a <time> element for t in the plan's zone; with rel, the
 * relative time follows in brackets; with date, the date shows even today. An absent time is an empty string.
 */
export function when(t, { rel = false, date = false } = {}) {
  const d = parse(t);
  if (!d) return t ? String(t) : '';
  const el = h('time', { datetime: d.toISOString(), 'data-zone': zone, title: d.toISOString().replace('.000Z', 'Z') + ' · plan time zone ' + zone },
    clockText(d, date));
  if (!rel) return el;
  return h('span', { class: 'when' }, el, ' ', h('span', { class: 'muted rel', 'data-at': d.toISOString() }, '(' + relative(d) + ')'));
}

// Relative times go stale: refresh them every half minute.
setInterval(() => {
  for (const el of document.querySelectorAll('.rel[data-at]')) el.textContent = '(' + relative(el.dataset.at) + ')';
}, 30000);

// A time written in an answer: 2026-12-03 14:05 UTC, 2026-12-03 14:05:07 UTC
// or RFC 3339 (2026-12-03T14:05:07Z, with an offset or fraction).
const STAMP = /\b(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:\d{2}| UTC)/g;

/** zoneTimes replaces the times written in text under root with <time> elements in the plan's zone. */
export function zoneTimes(root) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => (n.parentElement.closest('code, pre, time') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  const hits = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    STAMP.lastIndex = 0;
    if (STAMP.test(n.data)) hits.push(n);
  }
  for (const n of hits) {
    const parts = [];
    let last = 0;
    n.data.replace(STAMP, (m, date, hm, frac, off, at) => {
      const d = new Date(date + 'T' + hm + (hm.length === 5 ? ':00' : '') + (frac || '') + (off === ' UTC' ? 'Z' : off));
      parts.push(n.data.slice(last, at), isNaN(d) ? m : when(d));
      last = at + m.length;
      return m;
    });
    parts.push(n.data.slice(last));
    n.replaceWith(...parts.filter((p) => p !== ''));
  }
}

/**
 * zonedInstant reads a wall-clock time in the plan's zone
 * ("2026-12-03T14:05", as a datetime-local field gives it) and returns
 * the instant, or null for a value that is not one.
 */
export function zonedInstant(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(String(s || ''));
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  // The zone's offset at an instant; applied twice for the hours a DST change moves.
  const offset = (t) => {
    const p = Object.fromEntries(parts.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - t;
  };
  let t = wall - offset(wall);
  t = wall - offset(t);
  return new Date(t);
}
