// The live viewer in a real browser (issue 8, point 3): `inkwell serve` on
// folders written by a real inkwell logger (log_writer.cpp), its page driven
// in Debian's headless Chromium through playwright-core.
//
//   node viewer.test.mjs --inkwell PATH --log-writer PATH --out DIR [--chromium PATH]
//
// tools/browser-test.sh installs what it needs and runs it (ctest
// browser.viewer). Exit 0: every check passed; 1: a check failed (the message
// says which); 77: it cannot run here (no Chromium, no playwright-core).
//
// Part 1 (a small folder, 23 records, three error signatures): initial
// records shown, oldest first; records logged after the page opened appear
// live with follow on; filters (level, text, category, service, tenant, time)
// leave exactly the records the test's own model of what it logged says; export
// downloads them; the aggregates table counts per signature; a click opens the
// detail view with nested fields; hostile text is shown as text and runs
// nothing; screenshots to DIR; the server stopped and restarted: the page says
// disconnected, then reconnects and holds the history once.
// Part 2 (100,000 records): all held, a few dozen row elements, the middle and
// the end show the right records; measured (printed, never asserted): time
// from navigation to the whole history shown, frame times while scrolling and
// while 20,000 more records arrive live, time to apply a filter.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

// ---- arguments --------------------------------------------------------------
const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const need of ['inkwell', 'log-writer', 'out']) {
  if (!args[need]) {
    console.error(`usage: node viewer.test.mjs --inkwell PATH --log-writer PATH --out DIR [--chromium PATH]`);
    process.exit(2);
  }
}
const chromiumPath = args.chromium || '/usr/bin/chromium';
const ROW_H = 22;  // the page's row height (page.hpp, --row-h)

let playwright;
try {
  playwright = await import('playwright-core');
} catch (e) {
  console.log(`SKIP: playwright-core is not installed (${e.message}); tools/browser-test.sh installs it`);
  process.exit(77);
}
if (!fs.existsSync(chromiumPath)) {
  console.log(`SKIP: no Chromium at ${chromiumPath} (Debian's package chromium; tools/browser-test.sh installs it)`);
  process.exit(77);
}

// ---- checks -----------------------------------------------------------------
let passed = 0;
class CheckFailed extends Error {}
function check(ok, what, detail) {
  if (!ok) throw new CheckFailed(`FAILED: ${what}${detail === undefined ? '' : '\n  ' + detail}`);
  passed++;
  console.log(`  ok  ${what}`);
}
function checkEqual(actual, expected, what) {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  check(a === e, what, `expected ${e}\n  got      ${a}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what, fn, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new CheckFailed(`FAILED: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

// ---- child processes ----------------------------------------------------------
const children = [];
const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'inkwell-browser-'));

// log_writer: one command a line, answered "ok N".
function startWriter(dir) {
  const child = spawn(args['log-writer'], [dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => { const w = waiting.shift(); if (w) w(line); });
  return {
    async send(command) {
      const answer = new Promise((resolve) => waiting.push(resolve));
      child.stdin.write(command + '\n');
      const line = await answer;
      if (!line.startsWith('ok')) throw new Error(`log_writer: "${command}" -> ${line}`);
      return line;
    },
    async quit() { child.stdin.end('quit\n'); await once(child, 'exit'); },
  };
}

// `inkwell serve DIR --port 0`: resolves to its URL once it printed its ready line.
async function startServe(dir, port = 0) {
  const child = spawn(args.inkwell, ['serve', dir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const lines = readline.createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`inkwell serve printed no ready line in 30 s; stderr: ${stderr}`)), 30000);
    lines.on('line', (line) => {
      const m = /^inkwell serve: listening on (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(line);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => reject(new Error(`inkwell serve exited (${code}) before it was ready: ${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}
async function stopServe(server) {
  server.child.kill('SIGTERM');
  const [code] = await once(server.child, 'exit');
  return code;
}

// ---- the model: what the test logged ---------------------------------------------
// Each record as the test knows it; filters are computed on it, not copied from the page.
const model = [];
async function log(writer, level, category, service, tenant, count, text) {
  await writer.send(`log ${level} ${category} ${service} ${tenant} ${count} ${text}`);
  for (let i = 1; i <= count; i++) {
    model.push({ level, category, service: service === '-' ? category : service, tenant: tenant === '-' ? '' : tenant,
                 message: text.replaceAll('{i}', String(i)), index: i });
  }
}
const RANK = { trace: 10, debug: 20, info: 30, perf: 35, warn: 40, error: 50, critical: 60 };
const messagesOf = (records) => records.map((r) => r.message).sort();

// ---- page helpers --------------------------------------------------------------
const frames = (page, n = 2) => page.evaluate((n) => new Promise((resolve) => {
  const step = (k) => (k === 0 ? resolve() : requestAnimationFrame(() => step(k - 1)));
  step(n);
}), n);
const text = (page, selector) => page.$eval(selector, (el) => el.textContent);
const count = async (page, id) => Number(await text(page, id));

// The rows in the DOM: index (from the row's offset), seq, level class, message.
function domRows(page) {
  return page.$$eval('#stream .row', (rows) => rows.map((row) => ({
    index: Math.round(new DOMMatrixReadOnly(getComputedStyle(row).transform).m42 / 22),  // ROW_H
    seq: Number(row.dataset.seq),
    level: [...row.classList].find((c) => c.startsWith('level-')),
    message: row.querySelector('.c-msg').textContent,
    time: row.querySelector('.c-time').textContent,
  })));
}
// Every row the list shows, by scrolling it from top to bottom.
async function allRows(page) {
  const seen = new Map();
  const height = await page.$eval('#stream', (s) => s.clientHeight);
  for (let top = 0; ; top += Math.max(ROW_H, height - 2 * ROW_H)) {
    await page.$eval('#stream', (s, top) => { s.scrollTop = top; }, top);
    await frames(page);
    for (const row of await domRows(page)) seen.set(row.index, row);
    const end = await page.$eval('#stream', (s) => s.scrollTop + s.clientHeight >= s.scrollHeight - 1);
    if (end) break;
  }
  return [...seen.values()].sort((a, b) => a.index - b.index);
}
// Sets the filters and waits until the page applied them (typed ones after its pause).
async function setFilters(page, filters) {
  const all = { level: 'trace', category: '', service: '', tenant: '', text: '', from: '', to: '', ...filters };
  await page.selectOption('#filter-level', all.level);
  for (const name of ['category', 'service', 'tenant', 'text', 'from', 'to']) await page.fill(`#filter-${name}`, all[name]);
  await waitFor('the filters to be applied', () => page.evaluate(() => !window.inkwellViewer.filterPending), 5000);
  await frames(page);
}
// Only one row passes the filters: the one with this message.
async function onlyRow(page, filters, message) {
  await setFilters(page, filters);
  const rows = await domRows(page);
  checkEqual([await count(page, '#count-shown'), rows.map((r) => r.message)], [1, [message]],
             `filter ${JSON.stringify(filters)}: one row, "${message}"`);
}
// The page's rows after a filter equal the model's records passing it.
async function checkFilter(page, what, filters, keep) {
  await setFilters(page, filters);
  const expected = model.filter(keep);
  await waitFor(`#count-shown = ${expected.length} (${what})`,
                async () => (await count(page, '#count-shown')) === expected.length, 5000);
  const rows = await allRows(page);
  checkEqual(messagesOf(rows), messagesOf(expected), `filter ${what}: exactly the ${expected.length} records it should leave`);
  const indexes = rows.map((r) => r.index);
  checkEqual(indexes, expected.map((_, i) => i), `filter ${what}: rows 0..${expected.length - 1}, no gap, no stale row`);
}

// ---- part 1: a small folder -------------------------------------------------------
async function partOne(browser, measured) {
  console.log('part 1: a small folder, records logged before and after the page opened');
  const dir = path.join(temp, 'small');
  const writer = startWriter(dir);
  await log(writer, 'info', 'engine', 'game', 'tenant-a', 6, 'engine tick {i}');
  await log(writer, 'debug', 'ui', 'web', 'tenant-b', 4, 'ui frame {i} drawn');
  await log(writer, 'warn', 'persistence', 'store', 'tenant-a', 3, 'disk almost full on volume {i}');
  await log(writer, 'error', 'db', 'store', 'acme', 5, 'database timeout after {i}00 ms');
  await log(writer, 'error', 'payments', 'billing', 'globex', 3, 'card declined for order {i}7');
  await log(writer, 'critical', 'payments', 'billing', 'acme', 2, 'payment gateway unreachable, attempt {i}');
  const initial = model.length;

  const server = await startServe(dir);
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => { pageErrors.push('dialog opened: ' + d.message()); d.dismiss(); });
  await page.goto(server.url);

  await waitFor('#status "live"', async () => (await text(page, '#status')).includes('live'));
  check(true, '#status says live once the WebSocket is open');
  await waitFor(`#count-total = ${initial}`, async () => (await count(page, '#count-total')) === initial);
  check(true, `the ${initial} records already in the folder are held (#count-total)`);
  checkEqual(await count(page, '#count-shown'), initial, '#count-shown = #count-total without filters');
  let rows = await allRows(page);
  checkEqual(messagesOf(rows), messagesOf(model), 'the initial rows are exactly the records logged');
  const errorRow = rows.find((r) => r.message === 'database timeout after 100 ms');
  checkEqual(errorRow && errorRow.level, 'level-error', 'an error row has the class level-error');
  const seqs = rows.map((r) => r.seq);
  check(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), 'rows are in seq order (data-seq strictly increasing)');
  const times = rows.map((r) => r.time);
  check(times.every((t, i) => i === 0 || t >= times[i - 1]), 'rows are in time order, oldest first', times.join(', '));

  // Live: records logged now, while the page is open, with follow on.
  await page.$eval('#stream', (s) => { s.scrollTop = 0; });
  await frames(page);
  if (!(await page.isChecked('#follow'))) await page.check('#follow');
  const hostileMessage = '<img src=x onerror="window.__pwned=1;document.title=\'pwned\'">';
  await log(writer, 'info', 'engine', 'game', 'tenant-b', 5, 'live engine event {i}');
  await log(writer, 'error', 'db', 'store', 'acme', 2, 'database timeout after {i}50 ms');
  await log(writer, 'warn', 'ui', 'web', '<svg/onload=window.__pwned=2>', 1, '<script>window.__pwned=3</script> & <b>bold</b>');
  await log(writer, 'error', 'ui', 'web', 'tenant-b', 1, hostileMessage);
  const liveStart = Date.now();
  await waitFor(`#count-total = ${model.length} after logging live`,
                async () => (await count(page, '#count-total')) === model.length);
  measured.live_latency_ms = Date.now() - liveStart;
  check(true, `the ${model.length - initial} records logged after the page opened arrived live`);
  await frames(page);
  rows = await domRows(page);
  const newest = rows.reduce((a, b) => (b.index > a.index ? b : a));
  checkEqual(newest.message, hostileMessage, 'follow on: the newest record is in view');
  const viewBottom = await page.$eval('#stream', (s) => s.scrollTop + s.clientHeight);
  check((newest.index + 1) * ROW_H <= viewBottom + 1, 'follow on: the list is scrolled to its end');

  // Hostile text is text.
  rows = await allRows(page);
  checkEqual(messagesOf(rows), messagesOf(model), 'after the live records: the rows are exactly the records logged');
  const hostileRow = rows.find((r) => r.message === hostileMessage);
  check(hostileRow !== undefined, 'hostile markup in a message is shown literally as text');
  const injected = await page.evaluate(() => ({
    pwned: window.__pwned === undefined ? 'no' : String(window.__pwned),
    title: document.title === 'pwned' ? 'changed' : 'untouched',
    elements: document.querySelectorAll('main img, main svg, main script, main b').length,
  }));
  checkEqual(injected, { pwned: 'no', title: 'untouched', elements: 0 },
             'hostile text ran nothing and made no element (no img/svg/script/b in the lists)');

  // Filters, each compared with the model.
  await checkFilter(page, 'level error+', { level: 'error' }, (r) => RANK[r.level] >= RANK.error);
  await checkFilter(page, 'level error+ and text "TIMEOUT"', { level: 'error', text: 'TIMEOUT' },
                    (r) => RANK[r.level] >= RANK.error && r.message.toLowerCase().includes('timeout'));
  await checkFilter(page, 'level error+ and category payments', { level: 'error', category: 'payments' },
                    (r) => RANK[r.level] >= RANK.error && r.category === 'payments');
  await checkFilter(page, 'category engine', { category: 'engine' }, (r) => r.category === 'engine');
  await checkFilter(page, 'category "ui, db"', { category: 'ui, db' }, (r) => r.category === 'ui' || r.category === 'db');
  await checkFilter(page, 'service store', { service: 'store' }, (r) => r.service === 'store');
  await checkFilter(page, 'tenant acme', { tenant: 'acme' }, (r) => r.tenant === 'acme');
  await checkFilter(page, 'level warn+ and tenant tenant-a', { level: 'warn', tenant: 'tenant-a' },
                    (r) => RANK[r.level] >= RANK.warn && r.tenant === 'tenant-a');
  await checkFilter(page, 'text "<b>" (markup as text)', { text: '<b>' }, (r) => r.message.includes('<b>'));
  await checkFilter(page, 'text in a field value (tenant "globex")', { text: 'globex' }, (r) => r.tenant === 'globex');
  await checkFilter(page, 'time from 2000-01-01 to 2999', { from: '2000-01-01', to: '2999' }, () => true);
  await checkFilter(page, 'time from 2999', { from: '2999' }, () => false);
  // Export: the records passing the filters, as JSONL.
  await setFilters(page, { level: 'error' });
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.click('#export')]);
  const exported = fs.readFileSync(await download.path(), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  checkEqual(exported.map((r) => r.message).sort(), messagesOf(model.filter((r) => RANK[r.level] >= RANK.error)),
             '#export downloads the filtered records as JSONL');
  check(exported.every((r) => r.seq === undefined && typeof r.timestamp === 'string' && typeof r.context === 'object'),
        'exported lines are the records as inkwell wrote them (no "seq")');
  await page.click('#filter-clear');
  await waitFor('#filter-clear shows everything', async () => (await count(page, '#count-shown')) === model.length, 5000);
  check(true, '#filter-clear: every record shown again');

  // Aggregates: one row per signature, counted as logged.
  await page.click('#tab-aggregates');
  const families = [
    ['database timeout after', model.filter((r) => r.message.startsWith('database timeout after')).length],
    ['card declined for order', 3],
    ['payment gateway unreachable', 2],
    ['onerror', 1],
  ];
  const aggregateRows = () => page.$$eval('#aggregates .agg-row', (trs) => trs.map((tr) => ({
    signature: tr.dataset.signature,
    count: Number(tr.querySelector('.agg-count').textContent),
    level: tr.querySelector('.agg-level').textContent,
    pattern: tr.querySelector('.agg-pattern').textContent,
    first: tr.querySelector('.agg-first').textContent,
    last: tr.querySelector('.agg-last').textContent,
  })));
  const summarize = (list) => families.map(([prefix]) => {
    const matching = list.filter((a) => a.pattern.includes(prefix));
    return [prefix, matching.length === 1 ? matching[0].count : `${matching.length} rows`];
  });
  let aggregates = [];
  try {
    await waitFor('the aggregates table to count the live errors too', async () => {
      aggregates = await aggregateRows();
      return aggregates.length === families.length && JSON.stringify(summarize(aggregates)) === JSON.stringify(families);
    }, 10000);
  } catch (e) {
    if (!(e instanceof CheckFailed)) throw e;
  }
  checkEqual(summarize(aggregates), families, 'aggregates: one row per signature with the count logged');
  checkEqual(aggregates.length, families.length, 'aggregates: no other row');
  check(aggregates.every((a) => /^[0-9a-f]{16}$/.test(a.signature) && a.first !== '' && a.last !== ''),
        'aggregates: each row has its signature (data-signature), first and last seen');
  checkEqual(aggregates.map((a) => a.count), aggregates.map((a) => a.count).sort((x, y) => y - x),
             'aggregates: most frequent first');
  checkEqual(aggregates.find((a) => a.pattern.includes('payment gateway')).level.toLowerCase(), 'critical',
             'aggregates: the level of a critical signature');
  // The aggregate's sample in the detail view.
  await page.click('#aggregates .agg-row >> text=database timeout');
  await page.waitForSelector('#detail', { state: 'visible', timeout: 5000 });
  checkEqual(await text(page, '#detail [data-path="context.tenantId"] > .v'), 'acme',
             'a click on an aggregate opens the detail view of its sample (context.tenantId)');
  await page.click('#detail-close');
  await page.waitForSelector('#detail', { state: 'hidden', timeout: 5000 });
  check(true, '#detail-close closes the detail view');

  // The detail view of a row: every field, nested ones too.
  await page.click('#tab-stream');
  await onlyRow(page, { text: 'engine tick 3' }, 'engine tick 3');
  await page.click('#stream .row');
  await page.waitForSelector('#detail', { state: 'visible', timeout: 5000 });
  const detail = await page.evaluate(() => {
    const value = (p) => { const el = document.querySelector(`#detail [data-path="${p}"] > .v`); return el && el.textContent; };
    return { message: value('message'), level: value('level'), category: value('category'), tenant: value('context.tenantId'),
             service: value('context.service'), index: value('metadata.index'), writer: value('metadata.writer'),
             source: value('source'), seq: value('seq') };
  });
  checkEqual({ ...detail, source: detail.source && detail.source.startsWith('log_writer.cpp:'), seq: Number(detail.seq) > 0 },
             { message: 'engine tick 3', level: 'info', category: 'engine', tenant: 'tenant-a', service: 'game', index: '3',
               writer: 'log_writer', source: true, seq: true },
             'a click on a row opens #detail with every field, nested (context.tenantId, metadata.index)');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#detail', { state: 'hidden', timeout: 5000 });

  // The hostile record's detail view: text again.
  await onlyRow(page, { text: 'onerror' }, hostileMessage);
  await page.click('#stream .row');
  await page.waitForSelector('#detail', { state: 'visible', timeout: 5000 });
  checkEqual(await text(page, '#detail [data-path="message"] > .v'), hostileMessage, 'the detail view shows hostile text as text');
  checkEqual(await page.evaluate(() => [window.__pwned === undefined, document.querySelectorAll('img, svg, script:not([nonce])').length]),
             [true, 0], 'nothing ran, no element was made, anywhere in the page');
  check(pageErrors.length === 0, 'no script error and no dialog on the page', pageErrors.join('\n  '));
  await page.click('#detail-close');

  // Screenshots: the stream with a record open, and the aggregates.
  await page.click('#filter-clear');
  await waitFor('everything shown', async () => (await count(page, '#count-shown')) === model.length, 5000);
  await page.check('#follow');
  await frames(page, 3);
  await page.click('#stream .row >> text=database timeout after 250 ms');
  await page.waitForSelector('#detail', { state: 'visible' });
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.mouse.move(1, 1);  // no hover highlight
  await frames(page, 3);
  await page.screenshot({ path: path.join(args.out, 'viewer.png') });
  await page.click('#detail-close');
  await page.click('#tab-aggregates');
  await frames(page, 3);
  await page.screenshot({ path: path.join(args.out, 'viewer-aggregates.png') });
  console.log(`  screenshots: ${path.join(args.out, 'viewer.png')}, viewer-aggregates.png`);

  // The server goes away and comes back on the same port: the page says so and reconnects.
  const port = new URL(server.url).port;
  checkEqual(await stopServe(server), 0, 'inkwell serve exits 0 on SIGTERM');
  await waitFor('#status "disconnected"', async () => (await text(page, '#status')).includes('disconnected'), 5000);
  check(true, '#status says disconnected when the server is gone');
  const again = await startServe(dir, port);
  await waitFor('#status "live" again', async () => (await text(page, '#status')).includes('live'), 20000);
  await waitFor(`#count-total = ${model.length} after the reconnect`,
                async () => (await count(page, '#count-total')) === model.length, 10000);
  check(true, 'the page reconnects to the restarted server and holds its history once (no duplicates)');
  await page.close();
  checkEqual(await stopServe(again), 0, 'the restarted inkwell serve exits 0 on SIGTERM');
  await writer.quit();
}

// ---- part 2: 100,000 records -------------------------------------------------------
// Frame times (ms between animation frames) while `step(frame)` runs once a frame for `frames` frames.
async function frameTimes(page, kind, frameCount) {
  return page.evaluate(({ kind, frameCount }) => new Promise((resolve) => {
    const s = document.getElementById('stream');
    const deltas = [];
    const max = s.scrollHeight - s.clientHeight;
    let last = performance.now();
    let k = 0;
    const tick = (now) => {
      deltas.push(now - last);
      last = now;
      if (kind === 'wheel') s.scrollTop = Math.min(max, s.scrollTop + 3 * 22);          // a wheel notch a frame
      else if (kind === 'drag') s.scrollTop = Math.round((k / frameCount) * max);      // the scrollbar dragged end to end
      if (++k < frameCount) requestAnimationFrame(tick);
      else resolve(deltas.slice(1));
    };
    requestAnimationFrame((now) => { last = now; requestAnimationFrame(tick); });
  }), { kind, frameCount });
}
function frameStats(deltas) {
  const sorted = [...deltas].sort((a, b) => a - b);
  const round = (x) => Math.round(x * 10) / 10;
  return { frames: deltas.length, median_ms: round(sorted[Math.floor(sorted.length / 2)]), p95_ms: round(sorted[Math.floor(sorted.length * 0.95)]),
           worst_ms: round(sorted[sorted.length - 1]) };
}

async function partTwo(browser, measured) {
  const N = 100000;
  console.log(`part 2: ${N} records`);
  const dir = path.join(temp, 'large');
  const writer = startWriter(dir);
  let t = Date.now();
  await writer.send(`bulk ${N}`);
  measured.write_100k_ms = Date.now() - t;
  const server = await startServe(dir);
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));

  t = Date.now();
  await page.goto(server.url);
  await waitFor(`#count-total = ${N}`, async () => (await count(page, '#count-total')) === N, 60000);
  measured.history_polled_ms = Date.now() - t;
  await waitFor('the page to say its history is shown', () => page.evaluate(() => window.inkwellViewer.historyShownAt !== null), 10000);
  // performance.now() counts from the navigation's start.
  const pageStats = await page.evaluate(() => window.inkwellViewer);
  measured.history_shown_ms = Math.round(pageStats.historyShownAt);
  measured.history_page_work_ms = { messages: Math.round(pageStats.messageMs), render: Math.round(pageStats.renderMs) };
  check(true, `all ${N} records held (#count-total)`);
  checkEqual(await count(page, '#count-shown'), N, `#count-shown = ${N} without filters`);
  const rowElements = await page.$$eval('#stream .row', (rows) => rows.length);
  measured.row_elements = rowElements;
  check(rowElements > 0 && rowElements <= 100, `virtual scrolling: only ${rowElements} .row elements in the DOM for ${N} records`);
  checkEqual(await page.$eval('#stream', (s) => s.scrollHeight), N * ROW_H, 'the spacer has the height of all rows');

  // The rows in view at a scroll position are the records at those positions.
  async function checkView(where, top) {
    await page.$eval('#stream', (s, top) => { s.scrollTop = top; }, top);
    await frames(page);
    const view = await page.$eval('#stream', (s) => ({ top: s.scrollTop, height: s.clientHeight }));
    const rows = (await domRows(page)).sort((a, b) => a.index - b.index);
    const visible = rows.filter((r) => (r.index + 1) * ROW_H > view.top && r.index * ROW_H < view.top + view.height);
    const first = Math.floor(view.top / ROW_H);
    check(visible.length >= Math.floor(view.height / ROW_H) && visible[0].index === first,
          `${where}: the rows in view start at row ${first}`, JSON.stringify(visible.slice(0, 2)));
    checkEqual(visible.map((r) => r.message), visible.map((r) => `bulk record ${r.index}`),
               `${where}: every row in view shows its record (bulk record ${visible[0].index} …)`);
    const seqs = rows.map((r) => r.seq);
    check(seqs.every((s, i) => i === 0 || s > seqs[i - 1]) && rows.every((r, i) => i === 0 || r.index === rows[i - 1].index + 1),
          `${where}: consecutive rows, data-seq increasing`);
    return visible;
  }
  await checkView('the middle', (N / 2) * ROW_H);
  const end = await checkView('the end', N * ROW_H);
  checkEqual(end[end.length - 1].message, `bulk record ${N - 1}`, 'the end: the last row is the newest record');

  // Measured, not asserted: frames while scrolling.
  await page.$eval('#stream', (s) => { s.scrollTop = 0; });
  await frames(page);
  measured.scroll_wheel = frameStats(await frameTimes(page, 'wheel', 240));
  measured.scroll_drag = frameStats(await frameTimes(page, 'drag', 240));
  // Filters over 100,000 records: time until the count shows the result.
  t = Date.now();
  await page.selectOption('#filter-level', 'error');
  await waitFor('level error over 100,000', async () => (await count(page, '#count-shown')) === N / 50, 10000);
  measured.filter_level_ms = Date.now() - t;
  check(true, `level error over ${N} records: ${N / 50} shown`);
  await page.selectOption('#filter-level', 'trace');
  t = Date.now();
  await page.fill('#filter-text', 'bulk record 4242');  // 4242, 42420..42429
  await waitFor('text over 100,000', async () => (await count(page, '#count-shown')) === 11, 10000);
  measured.filter_text_ms = Date.now() - t;  // includes the page's 120 ms typing pause
  check(true, `text "bulk record 4242" over ${N} records: 11 shown`);
  await page.click('#filter-clear');
  await waitFor('everything shown', async () => (await count(page, '#count-shown')) === N, 10000);

  // Live: 20,000 more records while following, frames measured meanwhile.
  await page.check('#follow');
  const more = 20000;
  const framesDuring = frameTimes(page, 'idle', 150);
  t = Date.now();
  await writer.send(`bulk ${more}`);
  await waitFor(`#count-total = ${N + more}`, async () => (await count(page, '#count-total')) === N + more, 30000);
  measured.live_20k_ms = Date.now() - t;
  measured.live_frames = frameStats(await framesDuring);
  check(true, `${more} records logged live on top of ${N}: all held`);
  const last = (await domRows(page)).reduce((a, b) => (b.index > a.index ? b : a));
  checkEqual(last.message, `bulk record ${more - 1}`, 'follow on: the newest live record is in view');
  check(pageErrors.length === 0, 'no script error on the page', pageErrors.join('\n  '));

  await page.close();
  checkEqual(await stopServe(server), 0, 'inkwell serve exits 0 on SIGTERM');
  await writer.quit();
}

// ---- main ------------------------------------------------------------------------
const measured = {};
let exitCode = 0;
let browser;
const started = Date.now();
try {
  fs.mkdirSync(args.out, { recursive: true });
  const profile = path.join(temp, 'chromium-profile');  // a fresh profile: nothing from earlier runs
  browser = await playwright.chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    viewport: { width: 1400, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await partOne(browser, measured);
  await partTwo(browser, measured);
} catch (e) {
  console.log(e instanceof CheckFailed ? e.message : `FAILED: ${e.stack || e}`);
  exitCode = 1;
} finally {
  if (browser) await browser.close().catch(() => {});
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fs.rmSync(temp, { recursive: true, force: true });
}
measured.test_seconds = Math.round((Date.now() - started) / 100) / 10;
console.log('measured: ' + JSON.stringify(measured));
console.log(exitCode === 0 ? `browser test: ${passed} checks passed` : `browser test: failed after ${passed} checks passed`);
process.exit(exitCode);
