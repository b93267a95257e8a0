// Headless Chromium (Debian's, driven by playwright-core) on the research
// portal: type a question, get an answer, click a citation, see the
// article and its versions; then the search view and the law browser.
// node portal_browser.mjs BASE_URL SCREENSHOT_DIR.  Exit status 0 = all good.
import {chromium} from 'playwright-core';

const [base, shots] = process.argv.slice(2);
let failed = 0, passed = 0;
function check(cond, what) {
  if (cond) passed++;
  else { failed++; console.error('FAIL: ' + what); }
}

const browser = await chromium.launch({executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
                                       args: ['--no-sandbox']});
const page = await browser.newPage({viewport: {width: 1400, height: 1000}});
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
try {
  await page.goto(base + '/');
  await page.fill('#question', '入户盗窃他人财物数额较大，按刑法第二百六十四条会被判什么刑？');
  await page.click('#ask-button');
  await page.waitForSelector('#citations a.cite', {timeout: 30000});
  const answer = await page.textContent('#answer');
  check(answer.startsWith('结论：'), 'answer shown: ' + answer.slice(0, 40));
  const verified = await page.locator('#citations .ok').count();
  check(verified > 0, 'verified citations marked: ' + verified);
  // Click the first citation link inside the answer text itself.
  const link = page.locator('#answer a.cite').first();
  const ref = await link.textContent();
  await link.click();
  await page.waitForFunction(() => document.getElementById('panel-text').textContent.length > 0,
                             null, {timeout: 30000});
  check((await page.textContent('#panel-title')) === ref, 'panel opens the cited article: ' + ref);
  check((await page.textContent('#panel-meta')).includes('版本'), 'panel shows the version');
  await page.waitForSelector('#panel-versions li', {timeout: 30000});
  check(await page.locator('#panel-versions li').count() >= 1, 'version history listed');
  await page.screenshot({path: shots + '/portal-answer.png', fullPage: true});

  await page.click('nav button[data-view=search]');
  await page.fill('#search-q', '借款 返还');
  await page.click('#search-form button');
  await page.waitForSelector('#search-results li a.cite', {timeout: 30000});
  check(await page.locator('#search-results li').count() > 1, 'search results');
  await page.screenshot({path: shots + '/portal-search.png'});

  await page.click('nav button[data-view=laws]');
  await page.waitForSelector('#law-list li a', {timeout: 30000});
  await page.fill('#law-filter', '刑法');
  const first = page.locator('#law-list li a').first();
  await first.click();
  await page.fill('#panel-number', '264');
  await page.click('#panel-goto button');
  await page.waitForFunction(() => document.getElementById('panel-text').textContent.includes('盗窃'),
                             null, {timeout: 30000});
  check(true, 'law browser opens 刑法 264');
  await page.screenshot({path: shots + '/portal-laws.png'});
} catch (e) {
  check(false, 'browser flow: ' + e.message);
  await page.screenshot({path: shots + '/portal-failure.png'}).catch(() => {});
}
check(errors.length === 0, 'no page errors: ' + errors.join('; '));
await browser.close();
console.log(`portal_browser: ${passed} checks passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
