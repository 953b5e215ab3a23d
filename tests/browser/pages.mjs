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
//   signup ISSUER EMAIL PASSWORD CODE_FILE SHOTS
//       "Create an account" from the sign-in page; the code is read from
//       CODE_FILE once the Rust test has written it there (from the email).
//   mfa ISSUER EMAIL PASSWORD SHOTS
//       set up an authenticator app on the account page (QR code, key,
//       first code; codes computed here with node:crypto, RFC 6238), then
//       sign in with a code from the next window, then with a recovery code.
//
// Every page: labelled inputs, no framing, CSP without unsafe-inline, no
// CSP violation in the console.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createHmac } from 'node:crypto';

// RFC 4648 base32 (no padding) and RFC 6238 TOTP (SHA-1, 6 digits, 30 s).
function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/\s/g, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}
function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', secret).update(counter).digest();
  const o = h[19] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}
// The current step, after waiting out a boundary that is less than 4 s away
// (the code of the next step, used later, holds either way).
async function steadyStep() {
  while (Math.floor(Date.now() / 1000) % 30 >= 26) await new Promise((ok) => setTimeout(ok, 500));
  return Math.floor(Date.now() / 1000 / 30);
}

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
    const field = page.getByLabel('Email or phone number');
    assert.equal(await field.getAttribute('autocomplete'), 'username');
    await field.fill(email);
    await page.keyboard.press('Enter');
    await page.waitForSelector('text=Check your messages');
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
  } else if (mode === 'signup') {
    const [issuer, email, password, codeFile] = args;
    const response = await page.goto(`${issuer}/login`);
    strictHeaders(response);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForSelector('form[action="/signup"]');
    await page.getByLabel('Email or phone number').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Password, again').fill(password);
    await page.keyboard.press('Enter');
    await page.waitForSelector('form[action="/signup/verify"]');
    await page.screenshot({ path: join(shots, 'signup-code.png') });
    let code = '';
    for (let i = 0; i < 150 && !code; i++) {
      try {
        code = readFileSync(codeFile, 'utf8').trim();
      } catch {
        await new Promise((ok) => setTimeout(ok, 100));
      }
    }
    assert.match(code, /^[0-9]{6}$/, 'the code arrived');
    const field = page.getByLabel('Code');
    assert.equal(await field.getAttribute('autocomplete'), 'one-time-code');
    await field.fill(code);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${issuer}/settings`);
    assert.match(await page.locator('main').innerText(), new RegExp(email.replace('.', '\\.')));
    await page.screenshot({ path: join(shots, 'signup-done.png') });
  } else if (mode === 'mfa') {
    const [issuer, email, password] = args;
    const signIn = async (p) => {
      await p.goto(`${issuer}/login`);
      await p.getByLabel('Email, phone number or username').fill(email);
      await p.getByLabel('Password').fill(password);
      await p.keyboard.press('Enter');
    };
    await signIn(page);
    await page.waitForURL(`${issuer}/settings`);
    await page.getByRole('link', { name: 'Set up an authenticator app' }).click();
    await page.waitForSelector('svg.qr');
    const box = await page.locator('svg.qr').boundingBox();
    assert.ok(box && box.width >= 150, 'the QR code is drawn large enough to scan');
    await page.screenshot({ path: join(shots, 'mfa-enrol.png') });
    const secret = base32(await page.locator('#totp-secret').innerText());
    assert.equal(secret.length, 20);
    const step = await steadyStep();
    await page.getByLabel('Name (to tell your devices apart)').fill('Test phone');
    const code = page.getByLabel('Code from the app');
    assert.equal(await code.getAttribute('autocomplete'), 'one-time-code');
    await code.fill(totp(secret, step));
    await page.keyboard.press('Enter');
    await page.waitForSelector('#recovery-codes');
    const codes = await page.locator('#recovery-codes code').allInnerTexts();
    assert.equal(codes.length, 16);
    await page.screenshot({ path: join(shots, 'mfa-recovery-codes.png') });

    // A fresh browser: password, then the next window's code.
    const second = await (await browser.newContext()).newPage();
    await signIn(second);
    await second.waitForSelector('form[action="/login/mfa"]');
    await second.screenshot({ path: join(shots, 'mfa-verify.png') });
    await second.getByLabel('Code from your authenticator app').fill(totp(secret, step + 1));
    await second.keyboard.press('Enter');
    await second.waitForURL(`${issuer}/settings`);
    assert.match(await second.locator('main').innerText(), /Authenticator app: Test phone/);

    // Another: the phone is lost, a recovery code.
    const third = await (await browser.newContext()).newPage();
    await signIn(third);
    await third.waitForSelector('form[action="/login/mfa"]');
    await third.getByText('Use a recovery code').click();
    await third.getByLabel('Recovery code').fill(codes[0]);
    await third.getByRole('button', { name: 'Use this recovery code' }).click();
    await third.waitForURL(`${issuer}/settings`);
    assert.match(await third.locator('#recovery-left').innerText(), /^15 recovery codes left/);
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  assert.deepEqual(violations, [], 'CSP violations in the console');
  console.log('ok');
} finally {
  await browser.close();
}
