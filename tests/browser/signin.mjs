// End-user sign-in in a real browser, through the example web app
// (docs/examples/node-webapp, openid-client): sign in with the keyboard
// only, a wrong password first, then the right one; the app shows who is
// signed in and refreshes; signing out goes through keyward's end_session;
// signing in again shows the form again. Also: the sign-in page's headers
// (no framing, CSP without unsafe-inline), its labels and autocomplete,
// and no CSP violation in the console.
//
// usage: node signin.mjs APP_URL EMAIL PASSWORD SCREENSHOT_DIR
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [app, email, password, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const violations = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });

  await page.goto(app);
  assert.equal(await page.locator('#status').textContent(), 'Signed out');
  const [response] = await Promise.all([
    page.waitForResponse((r) => {
      const u = new URL(r.url());
      return u.hostname.endsWith('.localhost') && u.pathname === '/login' && r.request().method() === 'GET';
    }),
    page.click('#signin'),
  ]);
  await page.waitForSelector('form[action="/login"]');
  const headers = response.headers();
  assert.equal(headers['x-frame-options'], 'DENY');
  assert.match(headers['content-security-policy'], /frame-ancestors 'none'/);
  assert.doesNotMatch(headers['content-security-policy'], /unsafe-inline/);
  assert.match(new URL(page.url()).hostname, /\.localhost$/, 'the form is served by keyward');

  // Every input is labelled; password managers see username/current-password.
  const login = page.getByLabel('Email, phone number or username');
  const pw = page.getByLabel('Password');
  assert.equal(await login.getAttribute('autocomplete'), 'username');
  assert.equal(await pw.getAttribute('autocomplete'), 'current-password');
  await page.screenshot({ path: join(shots, 'signin-form.png') });

  // Keyboard only: the login field has focus; Tab to the password; Enter submits.
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type('not the password');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[role="alert"]');
  assert.match(await page.locator('[role="alert"]').textContent(), /Incorrect email, phone number, username or password/);
  assert.equal(await page.getByLabel('Email, phone number or username').inputValue(), email, 'the login ID is kept');
  await page.screenshot({ path: join(shots, 'signin-wrong-password.png') });

  // After a failure the password field has the focus.
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#who');
  assert.equal(await page.locator('#who').textContent(), email);
  await page.screenshot({ path: join(shots, 'signed-in.png') });

  await page.click('#refresh');
  await page.waitForSelector('#refreshed');
  await page.goto(app);
  await page.waitForSelector('#who');

  // The sign-in page cannot be framed by another site.
  const framed = await context.newPage();
  await framed.setContent(`<iframe id="f" src="${new URL(response.url()).origin}/login"></iframe>`);
  await framed.waitForTimeout(500);
  const frame = framed.frames().find((f) => f !== framed.mainFrame());
  const framedText = frame ? await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '') : '';
  assert.doesNotMatch(framedText, /Sign in/, 'the sign-in page rendered inside a frame');
  await framed.close();

  // Sign out through keyward's end_session, back to the app.
  await page.click('#signout');
  await page.waitForSelector('#status');
  assert.equal(await page.locator('#status').textContent(), 'Signed out');

  // Signing in again shows the form again (the session ended).
  await page.click('#signin');
  await page.waitForSelector('form[action="/login"]');
  await page.screenshot({ path: join(shots, 'signin-again.png') });

  assert.deepEqual(violations, [], 'CSP violations in the console');
  console.log('ok');
} finally {
  await browser.close();
}
