// The seed's flow in a real browser: first operator, sign in, project, key
// pair, download the PEM, call the Admin API with it (node `jose`), rotate,
// and see the old key refused. Then the refusals: a cross-site form post
// (CSRF) and a download without a session.
//
// usage: node portal.mjs BASE_URL SETUP_URL SCREENSHOT_DIR
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { importPKCS8, SignJWT } from 'jose';

const [base, setupUrl, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const EMAIL = 'ops@example.com';
const PASSWORD = 'correct-horse-battery-staple';
const PROJECT = 'browserapp';

async function adminCall(pem, kid) {
  const key = await importPKCS8(pem, 'RS256');
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setAudience([PROJECT]).setIssuedAt(now).setExpirationTime(now + 300)
    .sign(key);
  const response = await fetch(`${base}/projects/${PROJECT}/_api/admin/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ project { id } }' }),
  });
  return { status: response.status, body: await response.json() };
}

async function downloadPem(page, kid) {
  const row = page.locator('tr', { hasText: kid });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    row.getByRole('button', { name: 'Download' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `${kid}.pem`);
  const path = join(shots, `${kid}.pem`);
  await download.saveAs(path);
  return readFileSync(path, 'utf8');
}

async function generateKey(page, label) {
  await page.getByLabel('Label (optional)').first().fill(label);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Generate new key pair' }).click(),
  ]);
  const kid = await page.locator('#new-kid').inputValue();
  assert.equal(download.suggestedFilename(), `${kid}.pem`);
  const path = join(shots, `generated-${kid}.pem`);
  await download.saveAs(path);
  return { kid, pem: readFileSync(path, 'utf8') };
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1366, height: 860 } });
  const page = await context.newPage();
  // Whatever a user's console would show on the normal path (before the
  // deliberate refusals of steps 11-12): it must stay empty.
  const consoleErrors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${m.text()} (on ${page.url()})`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message} (on ${page.url()})`));
  // A refusal the test provokes shows as Chromium's "Failed to load
  // resource" line for its status: take exactly that one out.
  const provoked = (status, path) => {
    const i = consoleErrors.findIndex((e) => e.includes(`status of ${status}`) && e.includes(path));
    assert.ok(i >= 0, `no console line for the provoked ${status} on ${path}: ${consoleErrors}`);
    consoleErrors.splice(i, 1);
  };

  // 0. The server's root says what it is and leads to the portal.
  await page.goto(`${base}/`);
  await page.getByRole('heading', { name: 'keyward' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Portal' }).getAttribute('href'), '/portal');

  // 1. The one-time setup link creates the first operator and signs them in.
  await page.goto(setupUrl);
  await page.screenshot({ path: join(shots, '01-setup.png'), fullPage: true });
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByLabel('Repeat the password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();

  // The link works once.
  const again = await context.newPage();
  const reused = await again.goto(setupUrl);
  assert.equal(reused.status(), 400);
  await again.close();

  // 2. Sign out, then sign in (a wrong password first).
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to keyward' }).waitFor();
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill('wrong-password-here');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'do not match' }).waitFor();
  provoked(401, '/portal/login');
  await page.screenshot({ path: join(shots, '02-login.png'), fullPage: true });
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();

  // 3. Create a project. The field's own check works in the browser (its
  // pattern is valid under the `v` flag browsers apply).
  const projectId = page.getByLabel(/Project ID/);
  await projectId.fill('Bad_ID');
  assert.equal(await projectId.evaluate((el) => el.validity.patternMismatch), true);
  await projectId.fill('my-app-2');
  assert.equal(await projectId.evaluate((el) => el.validity.valid), true);
  await projectId.fill(PROJECT);
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('heading', { name: PROJECT, exact: true }).waitFor();
  assert.equal(await page.locator('#project-id').inputValue(), PROJECT);
  assert.equal(await page.locator('#endpoint').inputValue(), `${base}/projects/${PROJECT}/_api/admin/graphql`);

  // 4. Generate a key pair: the key ID is shown and the PEM downloads.
  const first = await generateKey(page, 'first-system');
  assert.match(first.pem, /^-----BEGIN PRIVATE KEY-----/);
  await page.screenshot({ path: join(shots, '03-admin-api.png'), fullPage: true });

  // 5. The downloaded PEM works with node jose against the Admin API.
  let call = await adminCall(first.pem, first.kid);
  assert.equal(call.status, 200, JSON.stringify(call.body));
  assert.equal(call.body.data.project.id, PROJECT);

  // The Download button gives the same key again.
  assert.equal(await downloadPem(page, first.kid), first.pem);

  // 6. Rotate: a second pair, then delete the first (with the confirmation).
  const second = await generateKey(page, 'second-system');
  assert.notEqual(second.kid, first.kid);
  await page.goto(`${base}/portal/projects/${PROJECT}`);
  await page.locator('tr', { hasText: first.kid }).getByRole('link', { name: 'Delete' }).click();
  await page.getByText('This cannot be undone').waitFor();
  assert.ok((await page.locator('main').innerText()).includes(first.kid));
  await page.screenshot({ path: join(shots, '04-delete-confirm.png'), fullPage: true });
  await page.getByRole('button', { name: 'Delete key' }).click();
  await page.getByText('Key deleted').waitFor();

  call = await adminCall(first.pem, first.kid);
  assert.equal(call.status, 401);
  assert.equal(call.body.error.reason, 'unknown_key');
  call = await adminCall(second.pem, second.kid);
  assert.equal(call.status, 200);

  // Deleting the last active key needs the extra confirmation.
  await page.locator('tr', { hasText: second.kid }).getByRole('link', { name: 'Delete' }).click();
  await page.getByRole('button', { name: 'Delete key' }).click();
  assert.equal(await page.getByRole('heading', { name: 'That did not work' }).count(), 1);
  provoked(400, `/keys/${second.kid}/delete`);
  assert.equal((await adminCall(second.pem, second.kid)).status, 200);

  // 7. Temporary token, shown once.
  await page.goto(`${base}/portal/projects/${PROJECT}`);
  await page.getByRole('button', { name: 'Generate temporary token' }).click();
  const temp = await page.locator('#temp-token').inputValue();
  await page.screenshot({ path: join(shots, '05-temp-token.png'), fullPage: true });
  const viaTemp = await fetch(`${base}/projects/${PROJECT}/_api/admin/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${temp}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ project { id } }' }),
  });
  assert.equal(viaTemp.status, 200);

  // 8. API explorer: a mutation and a query, with variables, from the page.
  await page.goto(`${base}/portal/projects/${PROJECT}/explorer`);
  await page.getByText('Real data.').waitFor();
  await page.getByLabel('GraphQL query or mutation').fill(
    'mutation($e: String!) { createUser(input: {definition: {loginID: {key: "email", value: $e}}}) { user { id } } }');
  await page.getByLabel(/^Variables/).fill('{"e": "explorer@example.com"}');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.locator('#explorer-status').filter({ hasText: 'OK (HTTP 200)' }).waitFor();
  assert.match(await page.locator('#explorer-result').innerText(), /"createUser"/);
  await page.getByLabel(/^Variables/).fill('[1]');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.locator('#explorer-status').filter({ hasText: 'must be a JSON object' }).waitFor();
  await page.screenshot({ path: join(shots, '06-explorer.png'), fullPage: true });

  // 9. Audit log: the download is recorded with who and from where.
  await page.goto(`${base}/portal/projects/${PROJECT}/audit?activity=portal.admin_api_key.downloaded`);
  const auditText = await page.locator('main').innerText();
  assert.ok(auditText.includes(first.kid), auditText);
  assert.ok(auditText.includes(EMAIL));
  assert.ok(auditText.includes('127.0.0.1'));
  await page.screenshot({ path: join(shots, '07-audit.png'), fullPage: true });

  // 10. Keyboard only: Tab reaches the first form field on the projects page.
  await page.goto(`${base}/portal`);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await page.screenshot({ path: join(shots, '08-projects.png'), fullPage: true });

  assert.deepEqual(consoleErrors, [], 'errors in the browser console');

  // 11. CSRF: a page on another origin posts a delete form to the portal.
  const evil = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<form id="f" method="post" action="${base}/portal/projects/${PROJECT}/keys/${second.kid}/delete">
      <input name="csrf" value="guess"><input name="force" value="on"></form>
      <script>document.getElementById('f').submit()</script>`);
  });
  await new Promise((resolve) => evil.listen(0, '127.0.0.1', resolve));
  const evilPage = await context.newPage();
  await evilPage.goto(`http://127.0.0.1:${evil.address().port}/`);
  await evilPage.waitForURL(`${base}/**`);
  assert.ok((await evilPage.content()).includes('Request refused') || (await evilPage.content()).includes('Sign in'));
  evil.close();
  assert.equal((await adminCall(second.pem, second.kid)).status, 200, 'the CSRF post deleted the key');

  // Same origin but without the CSRF token: refused too.
  const noToken = await page.evaluate(async ([p, kid]) => {
    const r = await fetch(`/portal/projects/${p}/keys/${kid}/delete`, {
      method: 'POST', body: new URLSearchParams({ csrf: 'wrong', force: 'on' }),
    });
    return r.status;
  }, [PROJECT, second.kid]);
  assert.equal(noToken, 403);
  assert.equal((await adminCall(second.pem, second.kid)).status, 200);

  // 12. A download without a session gets the sign-in page, not a key.
  const anonymous = await fetch(`${base}/portal/projects/${PROJECT}/keys/${second.kid}/download`, {
    method: 'POST', body: new URLSearchParams({ csrf: 'x' }), redirect: 'manual',
  });
  assert.equal(anonymous.status, 303);
  assert.equal(anonymous.headers.get('location'), '/portal/login');
  assert.ok(!(await anonymous.text()).includes('PRIVATE KEY'));

  console.log(JSON.stringify({ ok: true, first: first.kid, second: second.kid }));
} finally {
  await browser.close();
}
