// SPDX-License-Identifier: GPL-3.0-or-later
// mail_check.js - the HTML part of a mail (a digest) as a reader's
// browser-based mail client shows it: loaded from disk in headless
// Chromium at a 390 px phone width, it has no serious or critical
// axe-core violation and needs no horizontal scrolling.  Prints "ok ..."
// and "FAIL ..." lines; exits 1 when anything failed.
// usage: node mail_check.js FILE.html...
'use strict';
const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');

const files = process.argv.slice(2);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
let failed = 0;
function check(cond, what) {
  console.log((cond ? 'ok ' : 'FAIL ') + what);
  if (!cond) failed++;
}

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
    for (const f of files) {
      const name = path.basename(f);
      await page.goto('file://' + path.resolve(f), { waitUntil: 'load' });
      const wide = await page.evaluate(() =>
        document.documentElement.scrollWidth - window.innerWidth);
      check(wide <= 1, `${name}: fits 390 px (${wide} px too wide)`);
      await page.addScriptTag({ content: axeSource });
      const res = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ['violations'] });
        return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '));
      });
      check(res.length === 0, `${name}: axe-core, no serious violation ${res.join('; ')}`);
    }
  } finally {
    await browser.close();
  }
  process.exit(failed ? 1 : 0);
})().catch((e) => { console.log('FAIL ' + e); process.exit(1); });
