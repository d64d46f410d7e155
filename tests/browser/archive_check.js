// SPDX-License-Identifier: GPL-3.0-or-later
// archive_check.js - the web archive as readers see it, in headless
// Chromium: every page fits a 390 px phone (no horizontal scrolling),
// has no serious or critical axe-core violation, posts are drawn line for
// line (one line box per text line, no <br> under pre-wrap), names are
// isolated (<bdi>), thread pages are titled by their subject, the charts
// have a text alternative, and the search page finds a word deep in a
// long post, says when nothing is found, and says how to serve the
// archive when it is opened from disk.  Prints "ok ..." and "FAIL ..."
// lines; exits 1 when anything failed.
// usage: node archive_check.js BASE_URL ARCHIVE_DIR DEEP_WORD
'use strict';
const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');

const [base, dir, deep] = process.argv.slice(2);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
let failed = 0;
function ok(what) { console.log('ok ' + what); }
function fail(what) { console.log('FAIL ' + what); failed++; }
function check(cond, what) { if (cond) ok(what); else fail(what); }

(async () => {
  const browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
    const pages = fs.readdirSync(dir).filter((f) => f.endsWith('.html')).sort();
    for (const name of pages) {
      await page.goto(base + name, { waitUntil: 'networkidle0' });
      const m = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        width: window.innerWidth,
        title: document.title,
        h1: (document.querySelector('h1') || {}).textContent || '',
        lang: document.documentElement.lang,
        dir: document.documentElement.dir,
        brInText: Array.from(document.querySelectorAll('.text')).some((e) => e.querySelector('br')),
        whoIsolated: Array.from(document.querySelectorAll('.who')).every((e) =>
          e.querySelector('bdi') && getComputedStyle(e.querySelector('bdi')).unicodeBidi === 'isolate'),
        svgs: Array.from(document.querySelectorAll('svg')).map((s) => ({
          role: s.getAttribute('role'),
          title: (s.querySelector('title') || {}).textContent || s.getAttribute('aria-label') || '',
          width: s.getBoundingClientRect().width,
        })),
        lines: Array.from(document.querySelectorAll('.post > .text')).map((e) => {
          const lh = parseFloat(getComputedStyle(e).lineHeight);
          const n = e.textContent.replace(/\n+$/, '').split('\n').length;
          const r = document.createRange();
          r.selectNodeContents(e);
          // the line boxes of a short post: as many as its lines
          const rects = Array.from(r.getClientRects()).map((x) => Math.round(x.top));
          return { n, boxes: new Set(rects).size, ws: getComputedStyle(e).whiteSpace,
            h: e.getBoundingClientRect().height, lh, long: e.textContent.length > 200 };
        }),
        hiddenHeaders: Array.from(document.querySelectorAll('th.hide')).every((e) =>
          getComputedStyle(e).display === 'none'),
      }));
      check(m.scroll <= m.width, `${name}: fits 390 px (scrollWidth ${m.scroll})`);
      check(m.lang && m.dir, `${name}: lang="${m.lang}" dir="${m.dir}"`);
      check(!m.brInText, `${name}: no <br> inside pre-wrap post text`);
      check(m.whoIsolated, `${name}: every author name in an isolating <bdi>`);
      check(m.hiddenHeaders, `${name}: th.hide hidden on a phone like td.hide`);
      for (const s of m.svgs) {
        check(s.role === 'img' && s.title.length > 3, `${name}: chart has role=img and a text alternative "${s.title}"`);
        check(s.width <= 390, `${name}: chart scales to the screen (${s.width} px)`);
      }
      for (const l of m.lines.filter((x) => !x.long && x.n > 1)) {
        check(l.ws === 'pre-wrap' && l.boxes === l.n && l.h < (l.n + 1) * l.lh,
          `${name}: a ${l.n}-line post takes ${l.boxes} line boxes, ${Math.round(l.h)} px (line ${l.lh} px)`);
      }
      if (name.startsWith('thread-'))
        check(m.title.startsWith(m.h1.trim()) && !m.title.startsWith('Thread'),
          `${name}: titled by its subject ("${m.title}")`);
      await page.addScriptTag({ content: axeSource });
      const res = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ['violations'] });
        return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '));
      });
      check(res.length === 0, `${name}: axe-core, no serious violation ${res.join('; ')}`);
    }
    // Search: a word that only the end of a long post has.
    await page.goto(base + 'search.html', { waitUntil: 'networkidle0' });
    await page.type('#q', deep);
    await page.waitForFunction(() => document.querySelectorAll('#hits li').length > 0 ||
      /Nothing/.test(document.getElementById('status').textContent), { timeout: 30000 });
    const hits = await page.evaluate(() => ({
      n: document.querySelectorAll('#hits li').length,
      status: document.getElementById('status').textContent,
      bdi: document.querySelectorAll('#hits li bdi').length,
    }));
    check(hits.n >= 1, `search: "${deep}" deep in a long post is found (${hits.n}: ${hits.status})`);
    check(hits.bdi === hits.n, 'search: author names isolated in the results');
    await page.evaluate(() => { document.getElementById('q').value = ''; });
    await page.type('#q', 'zzqxjv');
    await page.waitForFunction(() => /Nothing found/.test(document.getElementById('status').textContent),
      { timeout: 30000 }).then(() => ok('search: says when nothing is found'),
      () => fail('search: no "Nothing found" message'));
    // Opened from disk, the index cannot be fetched: the page says how to serve it.
    await page.goto('file://' + path.resolve(dir, 'search.html'), { waitUntil: 'load' });
    await page.waitForFunction(() => /http\.server/.test(document.getElementById('status').textContent),
      { timeout: 30000 }).then(() => ok('search from file://: says how to serve the archive'),
      async () => fail('search from file://: ' + await page.evaluate(() =>
        document.getElementById('status').textContent)));
  } finally {
    await browser.close();
  }
  process.exit(failed ? 1 : 0);
})().catch((e) => { console.log('FAIL ' + e.stack); process.exit(1); });
