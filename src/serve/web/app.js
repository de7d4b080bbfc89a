// kseg serve's page: plain modules, no build step, nothing fetched but this server's JSON API.
// Views by URL hash, so the back button, reloads and links work:
//   #/                                  the log dir (the `kseg ls` table)
//   #/p/NAME                            a partition: segments, seek, audit
//   #/p/NAME/s/SEG?at=POS               a page of the segment's batches from byte POS
//   #/p/NAME/s/SEG/b/POS?offset=O       one batch explained byte by byte, its records
//   #/p/NAME/s/SEG/i/KIND?from=SLOT     an index's entries (offset, time, txn)
//   #/p/NAME/records?offset=O|time=T    records in offset order (`kseg cat`)
// Every value shown comes from the server; the page only lays it out.

const main = document.getElementById('main');
const crumbs = document.getElementById('crumbs');

/** Audit reports by partition, and which are being fetched. */
const audits = new Map();
/** The last seek, shown on the batch it led to. */
let lastSeek = null;
/** How payloads are shown: utf8 (text), json or hex; kept across views. */
let payloadMode = 'utf8';
/** Partitions at most this big are audited as soon as they are opened; bigger ones on request. */
const AUTO_AUDIT_BYTES = 64 * 1024 * 1024;
const PAGE = 50;
/** Bytes drawn at once in a hex view (bigger sections page through windows). */
const HEX_WINDOW = 4096;

// ---------------------------------------------------------------------------------------------
// Small helpers

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

async function api(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) q.set(k, String(v));
  const res = await fetch(`/api/${path}?${q}`);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `${res.status}`);
  return body;
}

function bytes(n) {
  if (n === null || n === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

function iso(ms) {
  if (ms === null || ms === undefined || ms === -1 || ms === '-1') return '-';
  const d = new Date(Number(ms));
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

const range = (a, b) => (a === null || a === undefined ? '-' : a === b ? `${a}` : `${a}..${b}`);
const enc = encodeURIComponent;
const segLink = (p, seg, at) => `#/p/${enc(p)}/s/${seg}${at ? `?at=${at}` : ''}`;
const batchLink = (p, seg, pos, offset) => `#/p/${enc(p)}/s/${seg}/b/${pos}${offset !== undefined && offset !== null ? `?offset=${offset}` : ''}`;

function setCrumbs(parts) {
  crumbs.replaceChildren(...parts.flatMap((p, i) => [...(i > 0 ? [h('span', { class: 'sep', 'aria-hidden': 'true' }, '›')] : []), p.href ? h('a', { href: p.href }, p.text) : h('span', { 'aria-current': 'page' }, p.text)]));
}

function errorBox(e) {
  return h('p', { class: 'error', role: 'alert' }, e instanceof Error ? e.message : String(e));
}

function table(head, rows, attrs = {}) {
  return h('table', attrs, h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, rows));
}

/** A segment id (20-digit base offset) from a `.log` file path, or null. */
function segmentOfFile(file) {
  const m = /(\d{20})\.log$/.exec(file ?? '');
  return m ? m[1] : null;
}

/** An epoch-ms time from what a person types: digits, or an ISO-8601 date-time (UTC unless it says). */
function parseTime(text) {
  const t = text.trim();
  if (/^-?\d+$/.test(t)) return t;
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const withZone = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t) ? `${t}Z` : t;
    const ms = Date.parse(withZone);
    if (!Number.isNaN(ms)) return String(ms);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Routing

function route() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?');
  const q = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const view = (async () => {
    if (parts.length === 0) return logDirView();
    if (parts[0] === 'p' && parts.length === 2) return partitionView(parts[1]);
    if (parts[0] === 'p' && parts[2] === 'records') return recordsView(parts[1], q);
    if (parts[0] === 'p' && parts[2] === 's' && parts.length === 4) return segmentView(parts[1], parts[3], Number(q.get('at') ?? 0));
    if (parts[0] === 'p' && parts[4] === 'b') return batchView(parts[1], parts[3], Number(parts[5]), q.get('offset'));
    if (parts[0] === 'p' && parts[4] === 'i') return indexView(parts[1], parts[3], parts[5], Number(q.get('from') ?? 0));
    throw new Error(`no such page: #${hash}`);
  })();
  view.catch((e) => main.replaceChildren(errorBox(e)));
}

window.addEventListener('hashchange', route);
window.addEventListener('DOMContentLoaded', route);
document.addEventListener('keydown', (e) => {
  // '/' jumps to the seek box, as in many viewers.
  if (e.key === '/' && !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName ?? '')) {
    const seek = document.getElementById('seek-offset');
    if (seek) {
      e.preventDefault();
      seek.focus();
    }
  }
});

/** Replaces an element's content, skipping the null/false left by optional parts. */
function fill(el, ...nodes) {
  el.replaceChildren(...nodes.filter((n) => n !== null && n !== undefined && n !== false));
}

function show(...nodes) {
  fill(main, ...nodes);
  main.setAttribute('aria-busy', 'false');
}

// ---------------------------------------------------------------------------------------------
// The log dir: the `kseg ls` table, filled in partition by partition

async function logDirView() {
  const dir = await api('logdir');
  setCrumbs([{ text: dir.path }]);
  const rows = new Map();
  const body = dir.partitions.map((p) => {
    const tr = h(
      'tr',
      { 'data-partition': p.name },
      h('td', {}, h('a', { href: `#/p/${enc(p.name)}` }, p.name)),
      h('td', { class: 'num' }, p.segmentCount),
      h('td', { class: 'num' }, bytes(p.logBytes)),
      h('td', { class: 'offsets' }, '…'),
      h('td', { class: 'times' }, '…'),
      h('td', { class: 'num records' }, '…'),
      h('td', { class: 'codecs' }, '…'),
      h('td', { class: 'indexes' }, '…'),
      h('td', { class: 'notes' }, p.state === 'live' ? '' : p.state),
    );
    rows.set(p.name, tr);
    return tr;
  });
  const files = dir.files.length ? h('p', { class: 'muted' }, 'root files: ', dir.files.map((f) => `${f.name} (${bytes(f.bytes)})`).join(', ')) : null;
  show(
    h('h1', {}, `log dir ${dir.path}`),
    h('p', { class: 'muted' }, `${dir.partitions.length} partition folder(s). The columns after "bytes" come from every batch header (kseg ls); they fill in as each partition is read.`),
    table(['partition', 'segs', 'bytes', 'offsets', 'time range (UTC)', 'records', 'codecs', 'indexes', 'notes'], body, { id: 'partitions', class: 'grid' }),
    files,
  );
  // One partition at a time: the page stays usable while big partitions are summarised.
  for (const p of dir.partitions) {
    if (!main.contains(rows.get(p.name))) return; // the user moved on
    try {
      const s = await api('summary', { partition: p.name });
      const tr = rows.get(p.name);
      tr.querySelector('.offsets').textContent = range(s.firstOffset, s.lastOffset);
      tr.querySelector('.times').textContent = s.firstTimestamp === null ? '-' : `${iso(s.firstTimestamp)} .. ${iso(s.maxTimestamp)}`;
      tr.querySelector('.records').textContent = s.recordsExact ? s.records : `~${s.records}`;
      tr.querySelector('.codecs').textContent = s.codecs.join(',') || '-';
      tr.querySelector('.indexes').textContent = { ok: 'ok', preallocated: 'ok (active, preallocated)', failed: 'FAILED', missing: 'missing' }[s.indexes];
      const notes = [];
      if (p.state !== 'live') notes.push(p.state);
      if (s.leftovers.length) notes.push(`${s.leftovers.length} leftover(s)`);
      if (s.controlRecords) notes.push(`${s.controlRecords} control`);
      if (s.abortedTxns) notes.push(`${s.abortedTxns} aborted txn`);
      if (s.leaderEpochs?.length) notes.push(`epoch ${s.leaderEpochs[s.leaderEpochs.length - 1].epoch}`);
      if (s.problems.length) notes.push(`${s.problems.length} problem(s)`);
      tr.querySelector('.notes').textContent = notes.join(', ');
      tr.classList.add('summarised');
    } catch (e) {
      rows.get(p.name).querySelector('.notes').textContent = String(e.message ?? e);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// A partition: segments, seek, audit

function seekForm(partition) {
  const status = h('p', { class: 'seek-status', role: 'status', 'aria-live': 'polite' });
  const go = async (params, label) => {
    status.textContent = `seeking ${label}…`;
    try {
      const r = await api('seek', { partition, ...params });
      if (r.found === null) {
        status.textContent = `${label}: no record at or after it`;
        return;
      }
      lastSeek = { ...r, label };
      location.hash = batchLink(partition, r.found.segment, r.found.position, r.found.offset);
    } catch (e) {
      status.textContent = e.message;
    }
  };
  const offset = h('input', { id: 'seek-offset', name: 'offset', inputmode: 'numeric', placeholder: 'offset, e.g. 27', 'aria-label': 'seek to offset', size: 14 });
  const time = h('input', { id: 'seek-time', name: 'time', placeholder: '2023-11-14T22:13:20Z or epoch ms', 'aria-label': 'seek to time', size: 30 });
  return h(
    'section',
    { class: 'seek', 'aria-label': 'seek' },
    h(
      'form',
      {
        id: 'seek-offset-form',
        onsubmit: (e) => {
          e.preventDefault();
          const v = offset.value.trim();
          if (!/^-?\d+$/.test(v)) status.textContent = `not an offset: ${v}`;
          else go({ offset: v }, `offset ${v}`);
        },
      },
      h('label', { for: 'seek-offset' }, 'Seek offset '),
      offset,
      h('button', { type: 'submit' }, 'Go'),
    ),
    h(
      'form',
      {
        id: 'seek-time-form',
        onsubmit: (e) => {
          e.preventDefault();
          const ms = parseTime(time.value);
          if (ms === null) status.textContent = `not a time (epoch ms or ISO-8601): ${time.value}`;
          else go({ time: ms }, `time ${iso(ms)}`);
        },
      },
      h('label', { for: 'seek-time' }, 'Seek time '),
      time,
      h('button', { type: 'submit' }, 'Go'),
    ),
    status,
  );
}

async function partitionView(name) {
  const p = await api('partition', { partition: name });
  setCrumbs([{ text: 'log dir', href: '#/' }, { text: name }]);
  const segRows = p.segments.map((s) =>
    h(
      'tr',
      {},
      h('td', {}, s.log ? h('a', { href: segLink(name, s.id) }, `${s.id}.log`) : `${s.id} (no .log)`, s.active ? h('span', { class: 'tag' }, 'active') : null),
      h('td', { class: 'num' }, bytes(s.bytes)),
      h('td', {}, indexLinks(name, s)),
    ),
  );
  const auditBox = h('section', { id: 'audit', 'aria-label': 'audit' });
  show(
    h('h1', {}, `partition ${p.name}`),
    h('p', { class: 'muted' }, `${p.path} · ${p.segments.length} segment(s), ${bytes(p.logBytes)}`, p.snapshots.length ? ` · snapshots ${p.snapshots.join(', ')}` : '', p.leftovers.length ? ` · leftovers ${p.leftovers.join(', ')}` : ''),
    seekForm(name),
    h('p', {}, h('a', { href: `#/p/${enc(name)}/records?offset=0` }, 'Records in offset order'), ' (kseg cat)'),
    h('h2', {}, 'Segments'),
    table(['segment', 'bytes', 'indexes'], segRows, { class: 'grid', id: 'segments' }),
    auditBox,
  );
  auditPanel(name, p.logBytes, auditBox);
}

function indexLinks(partition, s) {
  const out = [];
  for (const [kind, file, label] of [
    ['offset', s.index, '.index'],
    ['time', s.timeindex, '.timeindex'],
    ['txn', s.txnindex, '.txnindex'],
  ]) {
    if (file) out.push(h('a', { href: `#/p/${enc(partition)}/s/${s.id}/i/${kind}` }, `${label} (${file.slots})`), ' ');
  }
  return out.length ? out : 'none';
}

/** The audit report of a partition: fetched once, then kept. */
function auditOf(partition) {
  let a = audits.get(partition);
  if (!a) {
    a = api('audit', { partition });
    audits.set(partition, a);
    a.catch(() => audits.delete(partition));
  }
  return a;
}

function auditPanel(partition, logBytes, box) {
  const run = async () => {
    box.replaceChildren(h('h2', {}, 'Audit'), h('p', { class: 'muted' }, `auditing ${bytes(logBytes)}…`));
    try {
      const r = await auditOf(partition);
      const list = (items) =>
        h(
          'ul',
          { class: 'findings' },
          items.map((a) => {
            const seg = segmentOfFile(a.file);
            const where = a.line !== undefined ? `line ${a.line}` : a.position >= 0 ? (a.end !== undefined ? `bytes ${a.position}..${a.end}` : `byte ${a.position}`) : '';
            const file = a.file.split('/').pop();
            return h(
              'li',
              { class: `sev-${a.severity}` },
              h('span', { class: 'sev' }, a.severity.toUpperCase()),
              ' ',
              h('code', {}, a.class),
              ' ',
              seg && a.position >= 0 ? h('a', { href: batchLink(partition, seg, a.position) }, `${file} ${where}`) : `${file} ${where}`,
              `: ${a.detail}`,
            );
          }),
        );
      fill(box,
        h('h2', {}, 'Audit'),
        h('p', { class: r.clean ? 'ok' : 'bad' }, r.clean ? 'clean: ' : 'ANOMALIES: ', `${r.summary.errors} error(s), ${r.summary.warnings} warning(s), ${r.summary.notes} note(s) over ${r.summary.batches} batches, ${r.summary.records} records (kseg audit)`),
        r.anomalies.length ? list(r.anomalies) : null,
        r.notes.length ? h('details', {}, h('summary', {}, `${r.notes.length} note(s): explained or expected`), list(r.notes)) : null,
      );
    } catch (e) {
      box.replaceChildren(h('h2', {}, 'Audit'), errorBox(e));
    }
  };
  if (logBytes <= AUTO_AUDIT_BYTES || audits.has(partition)) run();
  else box.replaceChildren(h('h2', {}, 'Audit'), h('button', { onclick: run }, `Audit this partition (reads all ${bytes(logBytes)})`));
}

// ---------------------------------------------------------------------------------------------
// A segment's batches, a page at a time

async function segmentView(partition, seg, at) {
  const [page, p] = await Promise.all([api('batches', { partition, segment: seg, position: at, limit: PAGE }), api('partition', { partition })]);
  setCrumbs([{ text: 'log dir', href: '#/' }, { text: partition, href: `#/p/${enc(partition)}` }, { text: `${seg}.log` }]);
  const report = audits.has(partition) ? await audits.get(partition).catch(() => null) : null;
  const findingsAt = new Map();
  for (const a of report?.anomalies ?? []) {
    if (a.file === page.file) findingsAt.set(a.position, (findingsAt.get(a.position) ?? 0) + 1);
  }
  const rows = page.batches.map((b) => {
    const flags = [];
    if (b.transactional) flags.push('txn');
    if (b.control) flags.push('control');
    if (!b.crcValid) flags.push('CRC MISMATCH');
    const n = findingsAt.get(b.position);
    if (n) flags.push(`${n} finding(s)`);
    return h(
      'tr',
      { class: !b.crcValid || n ? 'bad' : '' },
      h('td', { class: 'num' }, h('a', { href: batchLink(partition, seg, b.position) }, b.position)),
      h('td', {}, range(b.baseOffset ?? '?', b.lastOffset)),
      h('td', { class: 'num' }, b.recordCount ?? ''),
      h('td', {}, `v${b.magic} ${b.codec}`),
      h('td', { class: 'num' }, b.sizeInBytes),
      h('td', {}, iso(b.baseTimestamp)),
      h('td', {}, iso(b.maxTimestamp)),
      h('td', {}, b.producerId === null || b.producerId === -1 ? '-' : `${b.producerId} / ${b.producerEpoch} / ${b.baseSequence}`),
      h('td', {}, flags.join(', ')),
    );
  });
  const segInfo = p.segments.find((s) => s.id === seg);
  const nav = () => h(
    'nav',
    { class: 'pager', 'aria-label': 'pages of batches' },
    at > 0 ? h('a', { href: segLink(partition, seg, 0) }, '« first') : null,
    at > 0 ? h('button', { type: 'button', onclick: () => history.back() }, '‹ back') : null,
    page.next !== null ? h('a', { href: segLink(partition, seg, page.next), class: 'next-page' }, 'next ›') : null,
  );
  let endNote = null;
  if (page.end) {
    const e = page.end;
    endNote = h(
      'p',
      { class: e.undersized !== null || e.position < e.fileSize ? 'bad' : 'muted' },
      e.undersized !== null
        ? `the entry at byte ${e.position} has size ${e.undersized}, below the minimum (14): the rest (${e.fileSize - e.position} bytes) is unreadable`
        : e.position < e.fileSize
          ? `${e.fileSize - e.position} trailing bytes at ${e.position} hold no whole batch`
          : `end of the segment (${e.fileSize} bytes)`,
    );
  }
  show(
    h('h1', {}, `segment ${seg}.log of ${partition}`),
    h('p', { class: 'muted' }, `${page.file} · ${bytes(page.fileSize)} · batches from byte ${at} (this page read ${bytes(page.bytesRead)})`, segInfo ? h('span', {}, ' · ', indexLinks(partition, segInfo)) : null),
    seekForm(partition),
    nav(),
    table(['byte', 'offsets', 'records', 'format', 'size', 'first time', 'max time', 'producer / epoch / seq', 'flags'], rows, { class: 'grid', id: 'batches' }),
    endNote,
    nav(),
  );
}

// ---------------------------------------------------------------------------------------------
// An index's entries

async function indexView(partition, seg, kind, from) {
  const r = await api('index', { partition, segment: seg, kind, from, limit: 200 });
  setCrumbs([{ text: 'log dir', href: '#/' }, { text: partition, href: `#/p/${enc(partition)}` }, { text: `${seg}.log`, href: segLink(partition, seg) }, { text: kind === 'offset' ? '.index' : kind === 'time' ? '.timeindex' : '.txnindex' }]);
  let head;
  let rows;
  if (kind === 'offset') {
    head = ['slot', 'bytes', 'relative offset', 'offset', 'position → batch'];
    rows = r.entries.map((e) => h('tr', {}, h('td', { class: 'num' }, e.slot), h('td', {}, `${e.slot * 8}..${e.slot * 8 + 8}`), h('td', { class: 'num' }, e.relativeOffset), h('td', { class: 'num' }, e.offset), h('td', {}, h('a', { href: batchLink(partition, seg, e.position) }, `byte ${e.position}`))));
  } else if (kind === 'time') {
    head = ['slot', 'bytes', 'timestamp', 'relative offset', 'offset → batch'];
    rows = r.entries.map((e) =>
      h('tr', {}, h('td', { class: 'num' }, e.slot), h('td', {}, `${e.slot * 12}..${e.slot * 12 + 12}`), h('td', {}, `${iso(e.timestamp)} (${e.timestamp})`), h('td', { class: 'num' }, e.relativeOffset), h('td', {}, h('a', { href: '#', onclick: (ev) => (ev.preventDefault(), seekTo(partition, e.offset)) }, `offset ${e.offset}`))),
    );
  } else {
    head = ['slot', 'version', 'producer', 'first offset', 'last offset', 'last stable offset'];
    rows = r.entries.map((e) => h('tr', {}, h('td', { class: 'num' }, e.slot), h('td', { class: 'num' }, e.version), h('td', {}, e.producerId), h('td', {}, h('a', { href: '#', onclick: (ev) => (ev.preventDefault(), seekTo(partition, e.firstOffset)) }, e.firstOffset)), h('td', {}, e.lastOffset), h('td', {}, e.lastStableOffset)));
  }
  const what = { offset: 'offset index: 8-byte slots of (int32 offset relative to the segment base, int32 byte position in the .log); the broker adds one about every 4 KiB of log (index.interval.bytes)', time: 'time index: 12-byte slots of (int64 max timestamp so far, int32 relative offset of its batch)', txn: 'transaction index: 34-byte entries of aborted transactions (version, producer id, first, last and last stable offsets)' }[kind];
  show(
    h('h1', {}, `${r.file.split('/').pop()}`),
    h('p', { class: 'muted' }, `${r.file} · ${r.bytes} bytes, ${r.slots} slot(s), ${r.validSlots} in use${r.slots > r.validSlots ? ` (the rest is the zero-filled preallocated tail)` : ''}`),
    h('p', {}, what),
    table(head, rows, { class: 'grid', id: 'index' }),
    h('nav', { class: 'pager' }, from > 0 ? h('a', { href: `#/p/${enc(partition)}/s/${seg}/i/${kind}` }, '« first') : null, r.next !== null ? h('a', { href: `#/p/${enc(partition)}/s/${seg}/i/${kind}?from=${r.next}` }, 'next ›') : null),
  );
}

async function seekTo(partition, offset) {
  const r = await api('seek', { partition, offset });
  if (r.found) {
    lastSeek = { ...r, label: `offset ${offset}` };
    location.hash = batchLink(partition, r.found.segment, r.found.position, r.found.offset);
  }
}

// ---------------------------------------------------------------------------------------------
// Records in offset order (kseg cat)

function payloadPicker(onChange) {
  const modes = [
    ['utf8', 'text'],
    ['json', 'JSON'],
    ['hex', 'hex'],
  ];
  return h(
    'fieldset',
    { class: 'payload', id: 'payload-mode' },
    h('legend', {}, 'values as'),
    modes.map(([m, label]) =>
      h('label', {}, h('input', { type: 'radio', name: 'payload', value: m, checked: m === payloadMode, onchange: () => ((payloadMode = m), onChange()) }), ` ${label} `),
    ),
  );
}

function payloadCell(p) {
  if (p === null) return h('span', { class: 'null' }, 'null');
  let text;
  if (p.encoding === 'json') text = JSON.stringify(p.data);
  else if (p.encoding === 'hex') text = p.data.replace(/(..)(?!$)/g, '$1 ');
  else if (p.encoding === 'base64') text = `base64:${p.data}`;
  else text = JSON.stringify(p.data);
  return h('span', { class: `payload-${p.encoding}`, title: `${p.size} bytes as ${p.encoding}` }, text, p.truncated ? h('span', { class: 'muted' }, ` … (${p.size} bytes)`) : null);
}

function recordRows(records, link) {
  return records.map((r, i) =>
    h(
      'tr',
      { 'data-offset': r.offset, class: r.aborted ? 'aborted' : '' },
      h('td', { class: 'num' }, link ? h('a', { href: link(r) }, r.offset) : r.offset),
      h('td', {}, r.timestampIso ?? String(r.timestamp)),
      h('td', { class: 'key' }, payloadCell(r.key)),
      h('td', { class: 'value' }, r.control && !r.control.error ? h('span', { class: 'tag' }, `control ${r.control.typeName} ${JSON.stringify(r.control.data)}`) : payloadCell(r.value)),
      h('td', {}, r.headers.map((x) => h('div', {}, h('code', {}, x.key), ': ', payloadCell(x.value)))),
      h('td', {}, [r.aborted ? 'ABORTED' : '', r.control ? 'control' : ''].filter(Boolean).join(', '), link ? null : h('button', { class: 'show-bytes', 'data-record': i }, 'bytes')),
    ),
  );
}

async function recordsView(partition, q) {
  const from = q.get('time') ? { time: q.get('time') } : { offset: q.get('offset') ?? '0' };
  const render = async () => {
    const r = await api('records', { partition, ...from, limit: PAGE, payload: payloadMode });
    setCrumbs([{ text: 'log dir', href: '#/' }, { text: partition, href: `#/p/${enc(partition)}` }, { text: 'records' }]);
    const link = (rec) => batchLink(partition, segmentOfFile(rec.batch.file), rec.batch.position, rec.offset);
    show(
      h('h1', {}, `records of ${partition} from ${from.time ? iso(from.time) : `offset ${from.offset}`}`),
      seekForm(partition),
      payloadPicker(render),
      table(['offset', 'timestamp', 'key', 'value', 'headers', ''], recordRows(r.records, link), { class: 'grid', id: 'records' }),
      r.issues.length ? h('ul', { class: 'findings' }, r.issues.map((i) => h('li', { class: 'sev-error' }, `${i.file} byte ${i.position}: ${i.message}`))) : null,
      h('nav', { class: 'pager' }, r.next !== null ? h('a', { href: `#/p/${enc(partition)}/records?offset=${r.next}` }, 'next ›') : h('span', { class: 'muted' }, 'end of the partition')),
    );
  };
  await render();
}

// ---------------------------------------------------------------------------------------------
// One batch, every byte explained

/** The colour class of a field: its last name part (records[3].key -> key, headers[0].value -> hvalue). */
function kindOf(field) {
  const inHeader = /headers\[\d+\]\./.test(field);
  const last = field.replace(/^.*\]\./, '').replace(/^.*\./, '');
  return `k-${inHeader ? 'h' : ''}${last}`;
}

/** Which record a field belongs to (records[i] / messages[i]), or -1. */
function recordOf(field) {
  const m = /^(?:records|messages)\[(\d+)\]/.exec(field);
  return m ? Number(m[1]) : -1;
}

const hex2 = (n) => n.toString(16).padStart(2, '0');

/**
 * One section of `kseg explain` (the batch's file bytes, or a compressed batch's decompressed
 * records): a hex view whose every byte is coloured by its field, a field list, and an info line.
 * Hover or arrow to a byte and its field shows; click a byte or a field and its bytes light up.
 */
function explainSection(section, sectionIndex, findings) {
  const rows = section.rows;
  const len = section.end - section.start;
  // byte -> row, and the bytes themselves (the rows' hex tiles the section)
  const rowAt = new Int32Array(len).fill(-1);
  const data = new Uint8Array(len);
  rows.forEach((r, i) => {
    for (let p = r.start; p < r.end; p++) {
      rowAt[p - section.start] = i;
      data[p - section.start] = parseInt(r.hex.substr((p - r.start) * 2, 2), 16);
    }
  });
  const bad = new Uint8Array(len);
  for (const f of findings) {
    const a = Math.max(f.position, section.start);
    const b = Math.min(f.end ?? f.position + 1, section.end);
    for (let p = a; p < b; p++) bad[p - section.start] = 1;
  }
  const id = `s${sectionIndex}`;
  const info = h('div', { class: 'info', id: `info-${id}`, role: 'status', 'aria-live': 'polite' }, h('span', { class: 'muted' }, 'hover or click a byte, or pick a field'));
  const grid = h('div', { class: 'hex', id: `hex-${id}`, tabindex: '0', role: 'application', 'aria-label': `bytes of ${section.title}: arrows move, Enter selects the field, Escape clears`, 'aria-describedby': `info-${id}` });
  const list = h('div', { class: 'fields', id: `fields-${id}`, role: 'list', 'aria-label': 'fields' });
  const windowNav = h('div', { class: 'window-nav' });
  let winStart = section.start;
  let cursor = section.start;
  let selected = -1;

  const describe = (i, pos) => {
    if (i < 0) {
      info.replaceChildren(h('span', { class: 'muted' }, `byte ${pos}: not part of a decoded field`));
      return;
    }
    const r = rows[i];
    const hexText = r.hex.length > 64 ? `${r.hex.slice(0, 64).replace(/(..)(?!$)/g, '$1 ')} …` : r.hex.replace(/(..)(?!$)/g, '$1 ');
    fill(
      info,
      h('span', { class: 'info-field' }, r.field),
      ' = ',
      h('span', { class: 'info-value' }, r.value === null ? 'null' : String(r.value)),
      h('span', { class: 'info-range' }, ` bytes ${r.start}..${r.end} (${r.end - r.start} byte${r.end - r.start === 1 ? '' : 's'})`),
      pos !== undefined ? h('span', { class: 'muted' }, ` · byte ${pos} = 0x${hex2(data[pos - section.start])}`) : null,
      h('div', { class: 'info-meaning' }, r.meaning),
      h('div', { class: 'info-hex' }, hexText),
    );
  };

  const drawGrid = () => {
    const from = winStart;
    const to = Math.min(section.end, winStart + HEX_WINDOW);
    const frag = document.createDocumentFragment();
    // Rows of 16 bytes at file (or stream) addresses that are multiples of 16.
    for (let line = Math.floor(from / 16) * 16; line < to; line += 16) {
      const lineEl = h('div', { class: 'line' }, h('span', { class: 'addr' }, line.toString().padStart(8, ' ')));
      const ascii = h('span', { class: 'ascii' });
      for (let p = line; p < line + 16; p++) {
        if (p < from || p >= to) {
          lineEl.append(h('span', { class: 'b pad' }, '  '));
          ascii.append(' ');
          continue;
        }
        const k = p - section.start;
        const i = rowAt[k];
        const r = rows[i];
        const cls = ['b', r ? kindOf(r.field) : 'k-none'];
        const rec = r ? recordOf(r.field) : -1;
        if (rec >= 0) cls.push(rec % 2 ? 'rec-odd' : 'rec-even');
        if (r && p === r.start) cls.push('first');
        if (bad[k]) cls.push('bad');
        if (i === selected && i >= 0) cls.push('sel');
        if (p === cursor) cls.push('cursor');
        lineEl.append(h('span', { class: cls.join(' '), 'data-p': p }, hex2(data[k])));
        const c = data[k];
        ascii.append(c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '·');
      }
      lineEl.append(ascii);
      frag.append(lineEl);
    }
    grid.replaceChildren(frag);
    windowNav.replaceChildren();
    if (len > HEX_WINDOW) {
      fill(
        windowNav,
        h('span', { class: 'muted' }, `showing bytes ${from}..${to} of ${section.start}..${section.end} `),
        from > section.start ? h('button', { onclick: () => moveWindow(Math.max(section.start, from - HEX_WINDOW)) }, '‹ earlier bytes') : null,
        to < section.end ? h('button', { onclick: () => moveWindow(to) }, 'later bytes ›') : null,
      );
    }
  };
  const moveWindow = (start) => {
    winStart = start;
    drawGrid();
  };
  const ensureVisible = (pos) => {
    if (pos < winStart || pos >= winStart + HEX_WINDOW) moveWindow(Math.max(section.start, pos - (pos % 16)));
  };
  const byteEl = (p) => grid.querySelector(`[data-p="${p}"]`);

  const select = (i, { scroll = true, from = 'tree' } = {}) => {
    selected = i;
    for (const el of grid.querySelectorAll('.sel')) el.classList.remove('sel');
    for (const el of list.querySelectorAll('.selected')) el.classList.remove('selected');
    if (i < 0) return;
    const r = rows[i];
    ensureVisible(r.start);
    for (let p = Math.max(r.start, winStart); p < Math.min(r.end, winStart + HEX_WINDOW); p++) byteEl(p)?.classList.add('sel');
    const item = list.querySelector(`[data-r="${i}"]`);
    item?.classList.add('selected');
    if (scroll) {
      byteEl(r.start)?.scrollIntoView({ block: 'nearest' });
      if (from !== 'tree') item?.scrollIntoView({ block: 'nearest' });
    }
    describe(i);
  };
  const moveCursor = (p) => {
    cursor = Math.min(section.end - 1, Math.max(section.start, p));
    grid.querySelector('.cursor')?.classList.remove('cursor');
    ensureVisible(cursor);
    const el = byteEl(cursor);
    el?.classList.add('cursor');
    el?.scrollIntoView({ block: 'nearest' });
    describe(rowAt[cursor - section.start], cursor);
  };

  grid.addEventListener('mouseover', (e) => {
    const p = e.target.dataset?.p;
    if (p !== undefined) describe(rowAt[Number(p) - section.start], Number(p));
  });
  grid.addEventListener('click', (e) => {
    const p = e.target.dataset?.p;
    if (p === undefined) return;
    cursor = Number(p);
    grid.querySelector('.cursor')?.classList.remove('cursor');
    e.target.classList.add('cursor');
    select(rowAt[cursor - section.start], { from: 'grid' });
  });
  grid.addEventListener('keydown', (e) => {
    const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -16, ArrowDown: 16, PageUp: -256, PageDown: 256 }[e.key];
    if (step !== undefined) {
      e.preventDefault();
      moveCursor(cursor + step);
    } else if (e.key === 'Home') {
      e.preventDefault();
      moveCursor(section.start);
    } else if (e.key === 'End') {
      e.preventDefault();
      moveCursor(section.end - 1);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      select(rowAt[cursor - section.start], { from: 'grid' });
    } else if (e.key === 'Escape') {
      select(-1);
    }
  });
  grid.addEventListener('focus', () => moveCursor(cursor));

  rows.forEach((r, i) => {
    const item = h(
      'button',
      { class: `field d${r.depth} ${kindOf(r.field)}`, 'data-r': i, 'data-field': r.field, role: 'listitem', title: r.meaning, onclick: () => select(i), onmouseenter: () => describe(i) },
      h('span', { class: 'swatch', 'aria-hidden': 'true' }),
      h('span', { class: 'f-range' }, `${r.start}..${r.end}`),
      h('span', { class: 'f-name' }, r.field),
      h('span', { class: 'f-value' }, r.value === null ? 'null' : String(r.value)),
    );
    list.append(item);
  });
  list.addEventListener('keydown', (e) => {
    // Up/Down walk the field list; Tab leaves it.
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const items = [...list.children];
    const at = items.indexOf(document.activeElement);
    const next = items[Math.min(items.length - 1, Math.max(0, at + (e.key === 'ArrowDown' ? 1 : -1)))];
    if (next) {
      e.preventDefault();
      next.focus();
      select(Number(next.dataset.r), { from: 'tree' });
    }
  });

  drawGrid();
  const el = h(
    'section',
    { class: `explain-section space-${section.space}`, id: `section-${id}`, 'aria-label': section.title },
    h('h3', {}, section.title),
    info,
    h('div', { class: 'panes' }, h('div', { class: 'hex-pane' }, windowNav, grid), list),
  );
  return {
    el,
    /** Lights up every byte of record `i` (its first field selected). */
    selectRecord(i) {
      const first = rows.findIndex((r) => recordOf(r.field) === i);
      if (first >= 0) {
        select(first, { from: 'records' });
        const last = rows.length - 1 - [...rows].reverse().findIndex((r) => recordOf(r.field) === i);
        for (let p = rows[first].start; p < rows[last].end; p++) byteEl(p)?.classList.add('sel');
      }
      return first >= 0;
    },
  };
}

async function batchView(partition, seg, position, focusOffset) {
  const load = () => api('batch', { partition, segment: seg, position, payload: payloadMode });
  const [b, p] = await Promise.all([load(), api('partition', { partition })]);
  setCrumbs([{ text: 'log dir', href: '#/' }, { text: partition, href: `#/p/${enc(partition)}` }, { text: `${seg}.log`, href: segLink(partition, seg, position) }, { text: `batch at byte ${position}` }]);
  const e = b.explain;
  const auditBox = h('section', { id: 'batch-findings', 'aria-label': 'audit findings for this batch' });
  const sections = h('div', { id: 'sections' });
  const recordsBox = h('section', { id: 'batch-records', 'aria-label': 'records' });
  const bits = e.attributes.bits.map((x) => `bit ${x.bits} ${x.name}=${x.value}`).join(', ');
  const seekNote =
    lastSeek && lastSeek.found && lastSeek.partition === partition && lastSeek.found.segment === seg && lastSeek.found.position === position
      ? h(
          'p',
          { class: 'seek-note', id: 'seek-note' },
          `${lastSeek.label}: `,
          lastSeek.via
            ? `${lastSeek.via.timeIndexOffset !== null ? `.timeindex → offset ${lastSeek.via.timeIndexOffset}, then ` : ''}${lastSeek.via.indexSlot >= 0 ? `.index slot ${lastSeek.via.indexSlot} of segment ${lastSeek.via.segment} → byte ${lastSeek.via.position}` : `segment ${lastSeek.via.segment} read from byte ${lastSeek.via.position} (no index entry at or below it)`}; `
            : '',
          `first record at or after it: offset ${lastSeek.found.offset}; the seek read ${bytes(lastSeek.bytesRead)} from ${lastSeek.filesOpened} file(s)`,
        )
      : null;
  const idx = b.indexEntries;
  const indexNote =
    idx.offset.length || idx.time.length
      ? h(
          'p',
          { class: 'index-note' },
          'Index entries pointing here: ',
          idx.offset.map((x) => h('a', { href: `#/p/${enc(partition)}/s/${seg}/i/offset?from=${x.slot}` }, `.index slot ${x.slot} (offset ${x.offset} → byte ${x.position})`)),
          idx.offset.length && idx.time.length ? '; ' : '',
          idx.time.map((x, i) => [i > 0 ? ', ' : '', h('a', { href: `#/p/${enc(partition)}/s/${seg}/i/time?from=${x.slot}` }, `.timeindex slot ${x.slot} (${iso(x.timestamp)} → offset ${x.offset})`)]),
        )
      : h('p', { class: 'index-note muted' }, 'No index entry points at this batch (the broker indexes about one batch per 4 KiB).');
  show(
    h('h1', {}, `${e.format === 'v2' ? 'record batch' : `legacy message (magic ${e.magic})`} at byte ${e.position} of ${seg}.log`),
    h(
      'p',
      { class: 'summary' },
      `${e.sizeInBytes} bytes · magic ${e.magic} · ${e.codec} · ${e.recordCount} record${e.recordCount === 1 ? '' : 's'} · offsets ${range(b.batch.baseOffset ?? '?', b.batch.lastOffset)} · `,
      h('span', { class: e.crc.valid ? 'ok' : 'bad', id: 'crc-verdict' }, `${e.crc.algorithm.toUpperCase()} over bytes ${e.crc.start}..${e.crc.end}: stored 0x${e.crc.stored.toString(16).padStart(8, '0')}, computed 0x${e.crc.computed.toString(16).padStart(8, '0')} ${e.crc.valid ? 'ok' : 'MISMATCH'}`),
    ),
    h('p', { class: 'muted' }, `attributes 0x${e.attributes.raw.toString(16)}: ${bits}`),
    seekNote,
    indexNote,
    auditBox,
    e.error ? h('p', { class: 'bad' }, `records stop early: ${e.error}`) : null,
    h('nav', { class: 'pager' }, h('a', { href: segLink(partition, seg, position) }, 'batches from here'), ' ', h('a', { href: batchLink(partition, seg, position + e.sizeInBytes), id: 'next-batch' }, 'next batch ›')),
    sections,
    recordsBox,
  );

  const drawSections = (findings) => {
    const built = e.sections.map((s, i) => explainSection(s, i, s.space === 'file' ? findings : []));
    sections.replaceChildren(...built.map((x) => x.el));
    return built;
  };
  let built = drawSections([]);
  // Records: the records section is the last one (the decompressed stream of a compressed batch).
  const recordSection = () => built[built.length - 1];
  const drawRecords = (batch) => {
    fill(recordsBox,
      h('h2', {}, `Records (${batch.records.length})`),
      batch.recordsError ? h('p', { class: 'bad' }, batch.recordsError) : null,
      payloadPicker(async () => drawRecords(await load())),
      table(['offset', 'timestamp', 'key', 'value', 'headers', ''], recordRows(batch.records, null), { class: 'grid', id: 'records' }),
    );
    recordsBox.querySelector('tbody').addEventListener('click', (ev) => {
      const i = ev.target.closest('button.show-bytes')?.dataset.record;
      if (i !== undefined) {
        recordSection().selectRecord(Number(i));
        recordSection().el.scrollIntoView({ block: 'start' });
      }
    });
  };
  drawRecords(b);
  // A seek or a record link names an offset: its record is marked and its bytes lit.
  const focusRecord = () => {
    const i = focusOffset === null ? -1 : b.records.findIndex((r) => String(r.offset) === focusOffset);
    if (i < 0) return;
    recordsBox.querySelector(`tr[data-offset="${focusOffset}"]`)?.classList.add('focus');
    recordSection().selectRecord(i);
  };
  focusRecord();

  // Audit findings about these bytes, next to them.
  const showFindings = (report) => {
    const end = e.position + e.sizeInBytes;
    const mine = report.anomalies.concat(report.notes).filter((a) => a.file === b.explain.file && a.position >= 0 && a.position < end && (a.end ?? a.position + 1) > e.position);
    fill(auditBox,
      mine.length
        ? h('ul', { class: 'findings' }, mine.map((a) => h('li', { class: `sev-${a.severity}` }, h('span', { class: 'sev' }, a.severity.toUpperCase()), ' ', h('code', {}, a.class), ` at ${a.end !== undefined ? `bytes ${a.position}..${a.end}` : `byte ${a.position}`}: ${a.detail}`)))
        : h('p', { class: 'ok' }, `kseg audit: no finding about these bytes (${report.summary.errors} error(s), ${report.summary.warnings} warning(s) in the partition)`),
    );
    if (mine.some((a) => a.severity !== 'info')) {
      built = drawSections(mine.filter((a) => a.severity !== 'info'));
      focusRecord();
    }
  };
  if (audits.has(partition) || p.logBytes <= AUTO_AUDIT_BYTES) {
    auditBox.replaceChildren(h('p', { class: 'muted' }, 'auditing the partition…'));
    auditOf(partition)
      .then(showFindings)
      .catch((err) => auditBox.replaceChildren(errorBox(err)));
  } else {
    auditBox.replaceChildren(h('button', { onclick: () => auditOf(partition).then(showFindings) }, `Audit the partition (reads all ${bytes(p.logBytes)}) to see findings here`));
  }
}
