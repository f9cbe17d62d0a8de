#pragma once
// The live viewer's page: one self-contained HTML document (inline CSS and
// JavaScript, no external URL, no framework, no build step) that
// inkwell::viewer::server (viewer/server.hpp) sends for `GET /`, the parts of
// page_parts concatenated. Each part is one raw string literal below 60,000
// bytes, so that -Wpedantic's overlength-string warning never fires; add a
// part rather than letting one grow past that.
//
// What the page does (the protocol is in docs/viewer.md):
//   - opens the WebSocket /ws, shows its state in #status ("live" /
//     "disconnected") and reconnects with a growing delay (0.5 s .. 10 s);
//     a "hello" message starts over: the history follows it;
//   - holds up to 200,000 records (the oldest let go past that, and counted)
//     and shows them in a virtually scrolled list: fixed row height, a spacer
//     of the full height, only the visible rows plus a small overscan in the
//     DOM, row elements reused (row i lives in pool slot i % pool size);
//   - follow mode (#follow): stays at the newest record; scrolling up turns it
//     off, scrolling back to the end turns it on again;
//   - filters (level and above, category, service, tenant, time range, text),
//     applied to each new record as it arrives and to all records held when a
//     filter changes; #count-shown / #count-total;
//   - the error aggregates ("aggregates" messages) as a table; a click on a
//     row or on an aggregate opens the detail view of that record, with every
//     field, nested objects included;
//   - export of the records passing the filters as JSONL.
// Record text is hostile: it reaches the DOM only through textContent,
// property assignments and dataset, never as markup. The Content-Security-
// Policy allows only this page's own script and style, so even markup that
// slipped in could neither load nor run anything.
#include <string_view>

namespace inkwell::viewer {

inline constexpr std::string_view page_parts[] = {
    // Part 1: head, style sheet, body.
    R"inkwell_page(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; script-src 'nonce-inkwell-viewer'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:; img-src data:">
<meta name="color-scheme" content="dark">
<link rel="icon" href="data:,">
<title>inkwell viewer</title>
<style>
:root {
  --bg: #14171c; --panel: #1b1f26; --panel2: #222732; --line: #2d3340; --text: #d7dce5; --dim: #8a93a3;
  --accent: #5aa9ff; --row-h: 22px;
  --trace: #6b7382; --debug: #7f9cc0; --info: #8fd18f; --perf: #c49bff; --warn: #f0c050; --error: #ff6b6b;
  --critical: #ffffff; --critical-bg: #b3262f;
}
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; background: var(--bg); color: var(--text);
       font: 13px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
button, input, select { font: inherit; color: var(--text); background: var(--panel2); border: 1px solid var(--line);
                        border-radius: 4px; padding: 3px 7px; }
button { cursor: pointer; }
button:hover { border-color: var(--accent); }
input:focus, select:focus, button:focus-visible { outline: 1px solid var(--accent); border-color: var(--accent); }
header.top { display: flex; align-items: center; gap: 12px; padding: 6px 10px; background: var(--panel);
             border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header.top h1 { font-size: 15px; margin: 0; letter-spacing: .04em; }
header.top h1 span { color: var(--accent); }
#source { color: var(--dim); max-width: 28em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#status { padding: 1px 8px; border-radius: 10px; background: #5a2a2a; color: #ffd0d0; white-space: nowrap; }
#status.live { background: #1f4d2c; color: #c9f5d3; }
.counts { color: var(--dim); white-space: nowrap; }
.counts b { color: var(--text); font-weight: 600; }
.notice { color: var(--warn); white-space: nowrap; }
.spacer-flex { flex: 1; }
.tabs { display: flex; gap: 4px; }
.tabs button[aria-selected="true"] { background: var(--accent); border-color: var(--accent); color: #0b1420; }
label.check { display: flex; align-items: center; gap: 4px; white-space: nowrap; cursor: pointer; }
form.filters { display: flex; gap: 6px; padding: 6px 10px; background: var(--panel); border-bottom: 1px solid var(--line);
               flex-wrap: wrap; align-items: center; margin: 0; }
form.filters label { display: flex; align-items: center; gap: 4px; color: var(--dim); }
form.filters input { width: 8em; }
form.filters input#filter-text { width: 14em; }
form.filters input.time { width: 11.5em; }
#level-counts { display: flex; gap: 8px; color: var(--dim); white-space: nowrap; }
.cols > .c-level { text-transform: none; font-weight: normal; }
#level-counts span b { font-weight: 600; }
main { flex: 1; position: relative; min-height: 0; display: flex; }
.view { flex: 1; display: flex; flex-direction: column; min-width: 0; min-height: 0; }
.view[hidden] { display: none; }
.cols { display: flex; height: var(--row-h); align-items: center; color: var(--dim); background: var(--panel);
        border-bottom: 1px solid var(--line); border-left: 3px solid transparent; font-size: 12px; padding-right: 14px; }
#stream { flex: 1; overflow-y: auto; overflow-x: hidden; position: relative; outline: none;
          font: 12.5px/var(--row-h) ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
#stream-spacer { position: relative; width: 100%; }
#stream-empty { position: absolute; top: 40px; left: 0; right: 0; text-align: center; color: var(--dim); font-family: system-ui, sans-serif; }
.row { position: absolute; left: 0; right: 0; top: 0; height: var(--row-h); display: flex; white-space: nowrap;
       cursor: pointer; border-left: 3px solid transparent; will-change: transform; contain: strict; }
.row:hover { background: #232a36; }
.row.selected { background: #2a3446; }
.cols > span, .row > span { overflow: hidden; text-overflow: ellipsis; padding: 0 6px; flex: none; }
.c-time { width: 12em; color: var(--dim); }
.c-level { width: 6.5em; font-weight: 600; text-transform: uppercase; }
.c-cat { width: 9em; color: #9fb7d8; }
.c-tenant { width: 8em; color: #b9a6d9; }
.cols > .c-msg, .row > .c-msg { flex: 0 1 auto; max-width: 100%; }
.row > .c-fields { flex: 1 1 0; color: var(--dim); padding-left: 10px; min-width: 0; }
.cols > .c-msg { flex: 1; }
.level-trace { border-left-color: var(--trace); } .level-trace .c-level, .level-trace .c-msg { color: var(--trace); }
.level-debug { border-left-color: var(--debug); } .level-debug .c-level { color: var(--debug); }
.level-info { border-left-color: var(--info); } .level-info .c-level { color: var(--info); }
.level-perf { border-left-color: var(--perf); } .level-perf .c-level { color: var(--perf); }
.level-warn { border-left-color: var(--warn); } .level-warn .c-level, .level-warn .c-msg { color: var(--warn); }
.level-error { border-left-color: var(--error); background: rgba(255, 80, 80, .07); }
.level-error .c-level, .level-error .c-msg { color: var(--error); }
.level-critical { border-left-color: var(--critical-bg); background: rgba(179, 38, 47, .35); }
.agg-row.level-critical { background: rgba(179, 38, 47, .2); }
.level-critical .c-level { color: var(--critical); background: var(--critical-bg); }
.level-critical .c-msg { color: var(--critical); }
.lv-count.level-error b { color: var(--error); } .lv-count.level-warn b { color: var(--warn); }
.lv-count.level-critical b { color: #ff8d94; } .lv-count.level-info b { color: var(--info); }
#aggregates-view { overflow: auto; padding: 10px; }
#aggregates { border-collapse: collapse; width: 100%; }
#aggregates th, #aggregates td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
#aggregates th { color: var(--dim); font-weight: 500; position: sticky; top: 0; background: var(--bg); }
#aggregates td.agg-count { text-align: right; font-weight: 600; font-variant-numeric: tabular-nums; }
#aggregates td.agg-pattern { font-family: ui-monospace, "DejaVu Sans Mono", monospace; word-break: break-word; }
#aggregates td.agg-first, #aggregates td.agg-last { white-space: nowrap; color: var(--dim); }
#aggregates .agg-row { cursor: pointer; }
#aggregates .agg-row:hover { background: #232a36; }
#aggregates .agg-level { text-transform: uppercase; font-weight: 600; }
#aggregates .level-warn .agg-level { color: var(--warn); }
#aggregates .level-error .agg-level { color: var(--error); }
#aggregates .level-critical .agg-level { color: #ff8d94; }
#aggregates-empty { color: var(--dim); padding: 20px; }
#detail { position: absolute; top: 0; right: 0; bottom: 0; width: min(34em, 48%); background: var(--panel);
          border-left: 1px solid var(--line); box-shadow: -8px 0 24px rgba(0, 0, 0, .45); display: flex;
          flex-direction: column; z-index: 5; }
#detail[hidden] { display: none; }
#detail header { display: flex; align-items: center; gap: 8px; padding: 8px 10px; border-bottom: 1px solid var(--line); }
#detail header h2 { font-size: 14px; margin: 0; flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#detail-body { overflow: auto; padding: 8px 12px; flex: 1; font: 12.5px/1.5 ui-monospace, "DejaVu Sans Mono", monospace; }
.tree { margin: 0; padding: 0; }
.tree .tree { margin-left: 1.4em; border-left: 1px dotted var(--line); padding-left: .6em; }
.kv { display: flex; gap: .6em; align-items: baseline; }
.kv > .k { color: #9fb7d8; flex: none; }
.kv > .k::after { content: ":"; color: var(--dim); }
.kv > .v { white-space: pre-wrap; word-break: break-word; min-width: 0; }
.v.t-string { color: #e6d7a8; } .v.t-number { color: #9fd4ff; } .v.t-boolean, .v.t-null { color: #c49bff; }
#detail-json-box { margin-top: 12px; }
#detail-json-box summary { color: var(--dim); cursor: pointer; }
#detail-json { white-space: pre-wrap; word-break: break-word; background: var(--bg); padding: 8px; border-radius: 4px; }
</style>
</head>
<body>
<header class="top">
  <h1><span>ink</span>well</h1>
  <span id="source" title=""></span>
  <span id="status">disconnected</span>
  <span class="counts"><b id="count-shown">0</b> shown of <b id="count-total">0</b> held</span>
  <span id="level-counts"></span>
  <span id="let-go" class="notice" hidden></span>
  <span id="dropped" class="notice" hidden></span>
  <span class="spacer-flex"></span>
  <div class="tabs" role="tablist">
    <button type="button" id="tab-stream" role="tab" aria-selected="true">Stream</button>
    <button type="button" id="tab-aggregates" role="tab" aria-selected="false">Error aggregates <span id="agg-count">(0)</span></button>
  </div>
  <label class="check" title="Keep the newest record in view"><input type="checkbox" id="follow" checked> follow</label>
  <button type="button" id="export" title="Download the records that pass the filters as JSONL">Export JSONL</button>
</header>
<form class="filters" id="filters" autocomplete="off">
  <label>level
    <select id="filter-level">
      <option value="trace">trace +</option>
      <option value="debug">debug +</option>
      <option value="info">info +</option>
      <option value="perf">perf +</option>
      <option value="warn">warn +</option>
      <option value="error">error +</option>
      <option value="critical">critical</option>
    </select>
  </label>
  <label>category <input id="filter-category" list="known-categories" placeholder="any (a, b)"></label>
  <label>service <input id="filter-service" list="known-services" placeholder="any"></label>
  <label>tenant <input id="filter-tenant" list="known-tenants" placeholder="any"></label>
  <label>text <input id="filter-text" type="search" placeholder="message or any field value"></label>
  <label title="UTC; any ISO prefix: 2026-01-31, 2026-01-31T08:15">from <input id="filter-from" class="time" placeholder="2026-01-31T08:00"></label>
  <label title="UTC; any ISO prefix: 2026-01-31, 2026-01-31T09:30">to <input id="filter-to" class="time" placeholder="2026-01-31T09:30"></label>
  <button type="button" id="filter-clear">Clear</button>
  <datalist id="known-categories"></datalist>
  <datalist id="known-services"></datalist>
  <datalist id="known-tenants"></datalist>
</form>
<main>
  <section class="view" id="stream-view">
    <div class="cols" aria-hidden="true">
      <span class="c-time">time (UTC)</span><span class="c-level">level</span><span class="c-cat">category</span>
      <span class="c-tenant">tenant</span><span class="c-msg">message</span>
    </div>
    <div id="stream" tabindex="0">
      <div id="stream-spacer"></div>
      <div id="stream-empty">waiting for records…</div>
    </div>
  </section>
  <section class="view" id="aggregates-view" hidden>
    <table id="aggregates">
      <thead><tr><th>count</th><th>level</th><th>pattern</th><th>error type</th><th>source</th><th>first seen</th><th>last seen</th></tr></thead>
      <tbody id="aggregates-body"></tbody>
    </table>
    <div id="aggregates-empty">No errors so far.</div>
  </section>
  <aside id="detail" hidden aria-label="record detail">
    <header><h2 id="detail-title">Record</h2><button type="button" id="detail-close" title="Close (Esc)">Close</button></header>
    <div id="detail-body">
      <div id="detail-tree" class="tree"></div>
      <details id="detail-json-box"><summary>as JSON</summary><pre id="detail-json"></pre></details>
    </div>
  </aside>
</main>
)inkwell_page",
    // Part 2: the script.
    R"inkwell_page(<script nonce="inkwell-viewer">
'use strict';
(function () {
  // ---- constants -----------------------------------------------------------
  const ROW_H = 22;            // px; the CSS --row-h
  const OVERSCAN = 8;          // rows kept in the DOM above and below the visible ones
  const MAX_HELD = 200000;     // records the page keeps; older ones are let go
  const MAX_KNOWN = 500;       // values offered per filter suggestion list
  const MAX_CELL = 400;        // characters of a message shown in a row
  const RANK = { trace: 10, debug: 20, info: 30, perf: 35, warn: 40, warning: 40, error: 50, critical: 60, fatal: 60 };
  const LEVEL_CLASS = { trace: 'trace', debug: 'debug', info: 'info', perf: 'perf', warn: 'warn', warning: 'warn',
                        error: 'error', critical: 'critical', fatal: 'critical' };
  const $ = (id) => document.getElementById(id);

  // ---- state ---------------------------------------------------------------
  // An entry wraps one record as received: { r, rank, hay (lower-case search text, built on first use), gone }.
  const state = {
    held: [],              // every record held, oldest first
    shown: [],             // the entries passing the filters, oldest first
    filter: null,          // the compiled filters
    follow: true,
    selected: null,        // the entry shown in the detail view
    letGo: 0,              // records let go past MAX_HELD
    dropped: 0,            // records the server dropped for this page
    levelCounts: new Map(),
    known: { categories: new Map(), services: new Map(), tenants: new Map() },
    knownDirty: false,
    historyExpected: 0,
    historyReceived: 0,
    historyDone: false,
  };
  // For people and tests: figures of this page load.
  // (historyShownAt: performance.now() when the whole history was first drawn;
  // messageMs / renderMs: time spent on WebSocket messages / drawing;
  // filterPending: typed filters not applied yet.)
  const stats = window.inkwellViewer = { connectedAt: null, historyShownAt: null, records: 0, messageMs: 0, renderMs: 0,
                                         filterPending: false };

  // ---- record helpers ------------------------------------------------------
  const str = (v) => (v === undefined || v === null) ? '' : (typeof v === 'string' ? v : String(v));
  const lower = (v) => str(v).toLowerCase();
  function rankOf(level) {
    const r = RANK[lower(level)];
    return r === undefined ? RANK.info : r;  // a user-defined level: treated as info
  }
  function levelClass(level) {
    const c = LEVEL_CLASS[lower(level)];
    return c === undefined ? 'other' : c;
  }
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  function serviceOf(r) {
    const c = r.context;
    return isObject(c) && c.service !== undefined && c.service !== null ? str(c.service) : str(r.category);
  }
  function tenantOf(r) {
    if (isObject(r.context) && r.context.tenantId !== undefined && r.context.tenantId !== null) return str(r.context.tenantId);
    if (isObject(r.metadata) && r.metadata.tenantId !== undefined && r.metadata.tenantId !== null) return str(r.metadata.tenantId);
    return '';
  }
  // The text the text filter searches, as `inkwell query --grep` does: the
  // message, category, source, session id and every field value (context,
  // metadata, any other key; nested values too).
  const NOT_SEARCHED = new Set(['level', 'timestamp', 'seq']);
  function collectValues(v, out) {
    if (v === null || v === undefined) return;
    if (typeof v === 'object') {
      for (const k in v) collectValues(v[k], out);
    } else {
      out.push(String(v));
    }
  }
  function haystack(e) {
    if (e.hay === null) {
      const parts = [];
      for (const k in e.r) if (!NOT_SEARCHED.has(k)) collectValues(e.r[k], parts);
      e.hay = parts.join('\n').toLowerCase();
    }
    return e.hay;
  }

  // ---- filters -------------------------------------------------------------
  function listOf(id) {
    return $(id).value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  }
  // A time bound as typed ("2026-11-26 07:15", "2026-11-26T07:15:30Z") -> an ISO prefix compared with timestamps.
  function timeBound(id) {
    return $(id).value.trim().replace(' ', 'T').replace(/Z$/i, '');
  }
  function readFilter() {
    return {
      minRank: rankOf($('filter-level').value),
      categories: listOf('filter-category'),
      services: listOf('filter-service'),
      tenants: listOf('filter-tenant'),
      text: $('filter-text').value.trim().toLowerCase(),
      from: timeBound('filter-from'),
      to: timeBound('filter-to'),
    };
  }
  function passes(e, f) {
    if (e.rank < f.minRank) return false;
    const r = e.r;
    if (f.categories.length !== 0 && !f.categories.includes(lower(r.category))) return false;
    if (f.services.length !== 0 && !f.services.includes(serviceOf(r).toLowerCase())) return false;
    if (f.tenants.length !== 0 && !f.tenants.includes(tenantOf(r).toLowerCase())) return false;
    if (f.from !== '' || f.to !== '') {
      const t = str(r.timestamp);
      if (f.from !== '' && t < f.from) return false;
      if (f.to !== '' && t.slice(0, f.to.length) > f.to) return false;
    }
    if (f.text !== '' && !haystack(e).includes(f.text)) return false;
    return true;
  }
  // A filter changed: every record held is tested again.
  function applyFilters() {
    clearTimeout(filterTimer);
    stats.filterPending = false;
    state.filter = readFilter();
    const f = state.filter;
    const shown = [];
    for (const e of state.held) if (passes(e, f)) shown.push(e);
    state.shown = shown;
    lastTop = -1;
    invalidateRows();
    scheduleRender();
  }
  let filterTimer = 0;
  function filtersChanged() {  // typing: applied after a 120 ms pause
    clearTimeout(filterTimer);
    stats.filterPending = true;
    filterTimer = setTimeout(applyFilters, 120);
  }
  state.filter = readFilter();

  // ---- records in ----------------------------------------------------------
  function countKnown(map, value) {
    if (value === '') return;
    if (map.has(value)) { map.set(value, map.get(value) + 1); return; }
    if (map.size >= MAX_KNOWN) return;
    map.set(value, 1);
    state.knownDirty = true;
  }
  function addRecords(list) {
    if (!Array.isArray(list)) return;
    const f = state.filter;
    for (const r of list) {
      if (!isObject(r)) continue;
      const e = { r, rank: rankOf(r.level), hay: null, gone: false };
      state.held.push(e);
      const lc = levelClass(r.level);
      state.levelCounts.set(lc, (state.levelCounts.get(lc) || 0) + 1);
      countKnown(state.known.categories, str(r.category));
      countKnown(state.known.services, serviceOf(r));
      countKnown(state.known.tenants, tenantOf(r));
      if (passes(e, f)) state.shown.push(e);
    }
    stats.records += list.length;
    if (!state.historyDone) {
      state.historyReceived += list.length;
      if (state.historyReceived >= state.historyExpected) finishHistory();
    }
    letGoOldest();
    scheduleRender();
  }
  // Past MAX_HELD the oldest records are let go (and counted on the page).
  function letGoOldest() {
    const extra = state.held.length - MAX_HELD;
    if (extra <= 0) return;
    const removed = state.held.splice(0, extra);
    for (const e of removed) {
      e.gone = true;
      const lc = levelClass(e.r.level);
      state.levelCounts.set(lc, state.levelCounts.get(lc) - 1);
    }
    let cut = 0;
    while (cut < state.shown.length && state.shown[cut].gone) cut++;
    if (cut > 0) {
      state.shown.splice(0, cut);
      // Keep the same records in view when not following.
      if (!state.follow) { stream.scrollTop = Math.max(0, stream.scrollTop - cut * ROW_H); }
      invalidateRows();
    }
    state.letGo += extra;
  }
  function finishHistory() {
    state.historyDone = true;
    // The history is shown once the frame that draws it is done.
    requestAnimationFrame(() => requestAnimationFrame(() => {
      if (stats.historyShownAt === null) stats.historyShownAt = performance.now();
      document.documentElement.dataset.history = 'shown';
    }));
  }
  function resetRecords() {
    state.held = [];
    state.shown = [];
    state.letGo = 0;
    state.levelCounts.clear();
    state.selected = null;
    invalidateRows();
  }

  // ---- the stream: virtual scrolling --------------------------------------
  const stream = $('stream');
  const spacer = $('stream-spacer');
  const empty = $('stream-empty');
  const pool = [];             // row elements; row i of the list uses pool[i % pool.length]
  let lastTop = 0;

  function makeRow() {
    const row = document.createElement('div');
    row.className = 'row';
    for (const cls of ['c-time', 'c-level', 'c-cat', 'c-tenant', 'c-msg', 'c-fields']) {
      const cell = document.createElement('span');
      cell.className = cls;
      row.appendChild(cell);
    }
    row._index = -1;
    row._entry = null;
    return row;
  }
  function poolSize() {
    const wanted = Math.ceil(Math.max(stream.clientHeight, ROW_H) / ROW_H) + 2 * OVERSCAN + 2;
    if (pool.length !== wanted) {
      for (const row of pool) row.remove();
      pool.length = 0;
      for (let i = 0; i < wanted; i++) pool.push(makeRow());
    }
    return pool.length;
  }
  function invalidateRows() {
    for (const row of pool) { row._entry = null; row._index = -1; }
  }
  function shortTime(ts) {
    const t = str(ts);
    // "2026-11-26T07:15:30.123Z" -> "11-26 07:15:30.123" (the full time is in the detail view)
    return t.length >= 23 && t[10] === 'T' ? t.slice(5, 10) + ' ' + t.slice(11, 23) : t;
  }
  function fullTime(ts) {
    const t = str(ts);
    return t.length >= 23 && t[10] === 'T' ? t.slice(0, 10) + ' ' + t.slice(11, 23) : t;
  }
  function clip(s, n) { return s.length > n ? s.slice(0, n) + '…' : s; }
  function fieldSummary(r) {
    const m = r.metadata;
    if (!isObject(m)) return '';
    let out = '';
    for (const k in m) {
      const v = m[k];
      out += (out === '' ? '' : '  ') + k + '=' + (isObject(v) || Array.isArray(v) ? JSON.stringify(v) : str(v));
      if (out.length > 240) break;
    }
    return clip(out, 240);
  }
  function fillRow(row, e, index) {
    if (row._index !== index) {
      row.style.transform = 'translateY(' + (index * ROW_H) + 'px)';
      row._index = index;
    }
    const selected = e === state.selected;
    if (row._entry === e && row._selected === selected) return;
    const r = e.r;
    row._entry = e;
    row._selected = selected;
    row.className = 'row level-' + levelClass(r.level) + (selected ? ' selected' : '');
    row.dataset.seq = str(r.seq);
    const c = row.children;
    c[0].textContent = shortTime(r.timestamp);
    c[1].textContent = str(r.level);
    c[2].textContent = str(r.category);
    c[3].textContent = tenantOf(r);
    c[4].textContent = clip(str(r.message), MAX_CELL);
    c[5].textContent = fieldSummary(r);
  }
  function drawRows() {
    const n = state.shown.length;
    const size = poolSize();
    const top = stream.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const last = Math.min(n, first + size);
    for (let i = first; i < last; i++) {
      const row = pool[i % size];
      fillRow(row, state.shown[i], i);
      if (!row.isConnected) spacer.appendChild(row);
    }
    for (const row of pool) {
      if (row.isConnected && (row._index < first || row._index >= last)) {
        row.remove();
        row._index = -1;
        row._entry = null;
      }
    }
  }

  let renderQueued = false;
  function scheduleRender() {
    if (!renderQueued) { renderQueued = true; requestAnimationFrame(render); }
  }
  function render() {
    const start = performance.now();
    renderQueued = false;
    const n = state.shown.length;
    const height = n * ROW_H;
    if (spacer._height !== height) { spacer.style.height = height + 'px'; spacer._height = height; }
    if (state.follow) {
      const bottom = Math.max(0, height - stream.clientHeight);
      if (stream.scrollTop !== bottom) stream.scrollTop = bottom;
    }
    lastTop = stream.scrollTop;
    drawRows();
    updateCounts();
    if (state.knownDirty) updateKnown();
    stats.renderMs += performance.now() - start;
  }

  // Follow mode: scrolling up turns it off, reaching the end turns it on.
  function atEnd() { return stream.scrollTop + stream.clientHeight >= stream.scrollHeight - ROW_H; }
  function setFollow(on) {
    state.follow = on;
    $('follow').checked = on;
  }
  stream.addEventListener('scroll', () => {
    const top = stream.scrollTop;
    if (lastTop >= 0) {
      if (top < lastTop - 1 && !atEnd()) { if (state.follow) setFollow(false); }
      else if (top > lastTop && !state.follow && atEnd()) setFollow(true);
    }
    lastTop = top;
    drawRows();
  }, { passive: true });
  $('follow').addEventListener('change', (ev) => {
    state.follow = ev.target.checked;
    scheduleRender();
  });
  new ResizeObserver(() => scheduleRender()).observe(stream);

  // ---- counts and suggestion lists ----------------------------------------
  const shownText = $('count-shown'), totalText = $('count-total'), statusText = $('status');
  let connected = false;  // the WebSocket is open
  const levelCountsBox = $('level-counts');
  function setText(el, text) { if (el.textContent !== text) el.textContent = text; }
  function updateCounts() {
    if (connected) {
      setText(statusText, state.historyDone ? 'live'
                                            : 'live · history ' + state.historyReceived + ' / ' + state.historyExpected);
    }
    setText(shownText, String(state.shown.length));
    setText(totalText, String(state.held.length));
    empty.hidden = state.shown.length !== 0;
    setText(empty, state.held.length === 0 ? 'waiting for records…' : 'no record passes the filters');
    const letGo = $('let-go');
    letGo.hidden = state.letGo === 0;
    setText(letGo, state.letGo + ' older records let go (the page holds ' + MAX_HELD + ')');
    const dropped = $('dropped');
    dropped.hidden = state.dropped === 0;
    setText(dropped, 'server dropped ' + state.dropped + ' records for this page (too slow)');
    // Records held per level, most severe first.
    const order = ['critical', 'error', 'warn', 'perf', 'info', 'debug', 'trace', 'other'];
    const key = order.map((l) => state.levelCounts.get(l) || 0).join(',');
    if (levelCountsBox._key !== key) {
      levelCountsBox._key = key;
      levelCountsBox.replaceChildren();
      for (const l of order) {
        const n = state.levelCounts.get(l) || 0;
        if (n === 0) continue;
        const span = document.createElement('span');
        span.className = 'lv-count level-' + l;
        const b = document.createElement('b');
        b.textContent = String(n);
        span.append(l + ' ', b);
        levelCountsBox.appendChild(span);
      }
    }
  }
  function updateKnown() {
    state.knownDirty = false;
    const fill = (id, map) => {
      const list = $(id);
      if (list.childElementCount === map.size) return;
      const options = [];
      for (const value of [...map.keys()].sort()) {
        const o = document.createElement('option');
        o.value = value;
        options.push(o);
      }
      list.replaceChildren(...options);
    };
    fill('known-categories', state.known.categories);
    fill('known-services', state.known.services);
    fill('known-tenants', state.known.tenants);
  }
)inkwell_page",
    // Part 3: detail view, aggregates, tabs, export, the WebSocket.
    R"inkwell_page(
  // ---- detail view ---------------------------------------------------------
  const detail = $('detail');
  function valueType(v) {
    if (v === null) return 'null';
    return typeof v === 'object' ? 'object' : typeof v;
  }
  // Every field of v, nested objects and arrays as indented subtrees; each
  // line carries data-path ("context.tenantId") for whoever wants to find it.
  function buildTree(v, container, path, depth) {
    const keys = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
    for (const k of keys) {
      const value = v[k];
      const p = path === '' ? String(k) : path + '.' + k;
      const line = document.createElement('div');
      line.className = 'kv';
      line.dataset.path = p;
      const key = document.createElement('span');
      key.className = 'k';
      key.textContent = String(k);
      line.appendChild(key);
      container.appendChild(line);
      if (value !== null && typeof value === 'object' && depth < 32) {
        const sub = document.createElement('div');
        sub.className = 'tree';
        buildTree(value, sub, p, depth + 1);
        container.appendChild(sub);
      } else {
        const val = document.createElement('span');
        val.className = 'v t-' + valueType(value);
        val.textContent = value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value);
        line.appendChild(val);
      }
    }
  }
  function openDetail(record, entry) {
    state.selected = entry || null;
    $('detail-title').textContent = str(record.level).toUpperCase() + ' · ' + fullTime(record.timestamp) +
                                    (record.seq !== undefined ? ' · #' + record.seq : '');
    const tree = $('detail-tree');
    tree.replaceChildren();
    buildTree(record, tree, '', 0);
    $('detail-json').textContent = JSON.stringify(record, null, 2);
    detail.hidden = false;
    invalidateRows();
    scheduleRender();
  }
  function closeDetail() {
    detail.hidden = true;
    state.selected = null;
    invalidateRows();
    scheduleRender();
  }
  $('detail-close').addEventListener('click', closeDetail);
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape' && !detail.hidden) closeDetail(); });
  spacer.addEventListener('click', (ev) => {
    const row = ev.target.closest('.row');
    if (row && row._entry) openDetail(row._entry.r, row._entry);
  });

  // ---- error aggregates ----------------------------------------------------
  let aggregates = [];
  function renderAggregates(list) {
    aggregates = Array.isArray(list) ? list.filter(isObject) : [];
    const body = $('aggregates-body');
    const rows = [];
    for (const a of aggregates) {
      const tr = document.createElement('tr');
      tr.className = 'agg-row level-' + levelClass(a.level);
      tr.dataset.signature = str(a.signature);
      const cells = [['agg-count', str(a.count)], ['agg-level', str(a.level)], ['agg-pattern', clip(str(a.pattern), 2000)],
                     ['agg-type', str(a.errorType)], ['agg-source', str(a.source)],
                     ['agg-first', fullTime(a.firstSeen)], ['agg-last', fullTime(a.lastSeen)]];
      for (const [cls, text] of cells) {
        const td = document.createElement('td');
        td.className = cls;
        td.textContent = text;
        tr.appendChild(td);
      }
      tr._aggregate = a;
      rows.push(tr);
    }
    body.replaceChildren(...rows);
    $('aggregates-empty').hidden = aggregates.length !== 0;
    $('agg-count').textContent = '(' + aggregates.length + ')';
  }
  $('aggregates-body').addEventListener('click', (ev) => {
    const tr = ev.target.closest('.agg-row');
    if (tr && tr._aggregate && isObject(tr._aggregate.sample)) openDetail(tr._aggregate.sample, null);
  });

  // ---- tabs ----------------------------------------------------------------
  function showTab(name) {
    const onStream = name === 'stream';
    $('stream-view').hidden = !onStream;
    $('aggregates-view').hidden = onStream;
    $('tab-stream').setAttribute('aria-selected', String(onStream));
    $('tab-aggregates').setAttribute('aria-selected', String(!onStream));
    if (onStream) { lastTop = -1; scheduleRender(); }
  }
  $('tab-stream').addEventListener('click', () => showTab('stream'));
  $('tab-aggregates').addEventListener('click', () => showTab('aggregates'));

  // ---- filter inputs -------------------------------------------------------
  for (const id of ['filter-category', 'filter-service', 'filter-tenant', 'filter-text', 'filter-from', 'filter-to']) {
    $(id).addEventListener('input', filtersChanged);
  }
  $('filter-level').addEventListener('change', applyFilters);
  $('filter-clear').addEventListener('click', () => {
    for (const id of ['filter-category', 'filter-service', 'filter-tenant', 'filter-text', 'filter-from', 'filter-to']) $(id).value = '';
    $('filter-level').value = 'trace';
    applyFilters();
  });
  $('filter-level').value = 'trace';
  $('filters').addEventListener('submit', (ev) => ev.preventDefault());  // Enter in a field applies, never navigates

  // ---- export --------------------------------------------------------------
  // The records passing the filters, one JSON line each, as inkwell wrote
  // them (without the viewer's "seq").
  $('export').addEventListener('click', () => {
    const lines = [];
    for (const e of state.shown) {
      const copy = Object.assign({}, e.r);
      delete copy.seq;
      lines.push(JSON.stringify(copy));
    }
    const blob = new Blob([lines.length ? lines.join('\n') + '\n' : ''], { type: 'application/x-ndjson' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'inkwell-export-' + new Date().toISOString().replace(/[:.]/g, '-') + '.jsonl';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  });

  // ---- the WebSocket -------------------------------------------------------
  let retryDelay = 500;
  function setStatus(live, text) {
    statusText.classList.toggle('live', live);
    setText(statusText, text);
  }
  function onMessage(ev) {
    const start = performance.now();
    handleMessage(ev.data);
    stats.messageMs += performance.now() - start;
  }
  function handleMessage(data) {
    let m;
    try { m = JSON.parse(data); } catch (_) { return; }
    if (!isObject(m)) return;
    switch (m.type) {
      case 'hello': {
        resetRecords();
        state.historyExpected = Number(m.history) || 0;
        state.historyReceived = 0;
        state.historyDone = false;
        const source = str(m.source);
        $('source').textContent = source;
        $('source').title = source + (m.version ? ' · inkwell ' + str(m.version) : '');
        document.title = 'inkwell · ' + source;
        if (state.historyExpected === 0) finishHistory();
        scheduleRender();
        break;
      }
      case 'records': addRecords(m.records); break;
      case 'aggregates': renderAggregates(m.aggregates); break;
      case 'dropped': state.dropped += Number(m.count) || 0; scheduleRender(); break;
      default: break;  // newer servers may send more kinds
    }
  }
  function connect() {
    setStatus(false, 'disconnected · connecting…');
    let ws;
    try {
      ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
    } catch (_) {
      retry();
      return;
    }
    ws.onopen = () => {
      connected = true;
      retryDelay = 500;
      if (stats.connectedAt === null) stats.connectedAt = performance.now();
      setStatus(true, 'live');
    };
    ws.onmessage = onMessage;
    ws.onclose = () => { connected = false; retry(); };
  }
  function retry() {
    const seconds = (retryDelay / 1000).toFixed(1);
    setStatus(false, 'disconnected · retrying in ' + seconds + ' s');
    setTimeout(connect, retryDelay);
    retryDelay = Math.min(10000, retryDelay * 2);
  }
  connect();
  scheduleRender();
})();
</script>
</body>
</html>
)inkwell_page",
};

}  // namespace inkwell::viewer
