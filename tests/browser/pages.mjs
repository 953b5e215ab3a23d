// keyward's other end-user pages in a real browser, one step per run (the
// Rust test reads the reset email between steps):
//
//   consent AUTHORIZE_URL EMAIL PASSWORD CALLBACK SHOTS
//       sign in to a third-party app; its consent page lists what it asks
//       for; Allow (keyboard) reaches the app's callback with a code.
//   forgot ISSUER EMAIL SHOTS
//       "Forgot your password?" from the sign-in page, the email sent.
//   reset LINK NEW_PASSWORD SHOTS
//       the emailed link sets a new password.
//
// Every page: labelled inputs, no framing, CSP without unsafe-inline, no
// CSP violation in the console.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [mode, ...args] = process.argv.slice(2);
const shots = args[args.length - 1];
mkdirSync(shots, { recursive: true });

function strictHeaders(response) {
  const h = response.headers();
  assert.equal(h['x-frame-options'], 'DENY');
  assert.match(h['content-security-policy'], /frame-ancestors 'none'/);
  assert.doesNotMatch(h['content-security-policy'], /unsafe-inline/);
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await (await browser.newContext()).newPage();
  const violations = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });

  if (mode === 'consent') {
    const [authorize, email, password, callback] = args;
    // The app itself is not running: answer its callback here.
    const app = createServer((_, res) => res.end('the app got its callback'));
    await new Promise((ok) => app.listen(Number(new URL(callback).port), '127.0.0.1', ok));
    await page.goto(authorize);
    await page.waitForSelector('form[action="/login"]');
    await page.getByLabel('Email, phone number or username').fill(email);
    await page.getByLabel('Password').fill(password);
    const [consent] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/login' && r.request().method() === 'POST'),
      page.keyboard.press('Enter'),
    ]);
    strictHeaders(consent);
    await page.waitForSelector('form[action="/consent"]');
    const text = await page.locator('main, body').first().innerText();
    assert.match(text, /Partner app/);
    assert.match(text, /See your email address/);
    await page.screenshot({ path: join(shots, 'consent.png') });
    // Keyboard: focus Allow and press Enter.
    await page.getByRole('button', { name: 'Allow' }).focus();
    await Promise.all([page.waitForURL(`${callback}**`), page.keyboard.press('Enter')]);
    const url = new URL(page.url());
    assert.ok(url.searchParams.get('code'), `no code in ${url}`);
    app.close();
  } else if (mode === 'forgot') {
    const [issuer, email] = args;
    const response = await page.goto(`${issuer}/login`);
    strictHeaders(response);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForSelector('form[action="/forgot_password"]');
    const field = page.getByLabel('Email');
    assert.equal(await field.getAttribute('autocomplete'), 'email');
    await field.fill(email);
    await page.keyboard.press('Enter');
    await page.waitForSelector('text=Check your email');
    await page.screenshot({ path: join(shots, 'forgot-sent.png') });
  } else if (mode === 'reset') {
    const [link, newPassword] = args;
    const response = await page.goto(link);
    strictHeaders(response);
    const first = page.getByLabel('New password', { exact: true });
    assert.equal(await first.getAttribute('autocomplete'), 'new-password');
    await first.fill(newPassword);
    await page.getByLabel('New password, again').fill(newPassword);
    await page.keyboard.press('Enter');
    await page.waitForSelector('text=Your password was changed');
    await page.screenshot({ path: join(shots, 'reset-done.png') });
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  assert.deepEqual(violations, [], 'CSP violations in the console');
  console.log('ok');
} finally {
  await browser.close();
}
