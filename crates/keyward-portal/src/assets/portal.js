// keyward portal: copy buttons, the API explorer, and the automatic download
// after generating a key. No inline script anywhere (the CSP forbids it).
'use strict';

function copyText(text, button) {
  const done = () => {
    const label = button.textContent;
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = label; }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text, done));
  } else {
    fallbackCopy(text, done);
  }
}

function fallbackCopy(text, done) {
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'visually-hidden';
  document.body.appendChild(area);
  area.select();
  try { document.execCommand('copy'); done(); } finally { area.remove(); }
}

document.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-copy], button[data-copy-text]');
  if (!button) return;
  const field = button.dataset.copy && document.getElementById(button.dataset.copy);
  copyText(field ? field.value : button.dataset.copyText, button);
});

// After "Generate new key pair", download its private key once.
window.addEventListener('DOMContentLoaded', () => {
  const form = document.querySelector('form[data-autosubmit]');
  if (form && !sessionStorage.getItem('downloaded:' + form.action)) {
    sessionStorage.setItem('downloaded:' + form.action, '1');
    form.requestSubmit();
  }
  const explorer = document.getElementById('explorer');
  if (explorer) setUpExplorer(explorer);
});

function setUpExplorer(form) {
  const status = document.getElementById('explorer-status');
  const result = document.getElementById('explorer-result');
  let cached = null; // { token, until }

  async function token() {
    if (cached && Date.now() < cached.until) return cached.token;
    const response = await fetch(form.dataset.tokenUrl, {
      method: 'POST',
      headers: { 'X-CSRF-Token': form.dataset.csrf },
      credentials: 'same-origin',
    });
    if (!response.ok) {
      throw new Error(response.status === 400
        ? 'This project has no active key generated in keyward to sign a temporary token with.'
        : `Could not get a temporary token (HTTP ${response.status}). Reload the page and sign in again.`);
    }
    const body = await response.json();
    cached = { token: body.token, until: Date.now() + (body.expires_in - 60) * 1000 };
    return cached.token;
  }

  async function run() {
    let variables = {};
    const text = form.elements.variables.value.trim();
    if (text) {
      try { variables = JSON.parse(text); } catch (e) {
        status.textContent = 'The variables are not valid JSON: ' + e.message;
        return;
      }
      if (typeof variables !== 'object' || Array.isArray(variables) || variables === null) {
        status.textContent = 'The variables must be a JSON object, like {"first": 10}.';
        return;
      }
    }
    status.textContent = 'Running…';
    result.textContent = '';
    try {
      const response = await fetch(form.dataset.endpoint, {
        method: 'POST',
        headers: { 'Authorization': 'Bearer ' + await token(), 'Content-Type': 'application/json' },
        body: JSON.stringify({ query: form.elements.query.value, variables }),
      });
      const body = await response.json().catch(() => null);
      result.textContent = body ? JSON.stringify(body, null, 2) : '(no JSON in the response)';
      const errors = body && (body.errors || (body.error ? [body.error] : null));
      status.textContent = errors
        ? `Finished with ${errors.length} error(s) (HTTP ${response.status}).`
        : `OK (HTTP ${response.status}).`;
    } catch (e) {
      status.textContent = e.message;
    }
  }

  form.addEventListener('submit', (event) => { event.preventDefault(); run(); });
  form.elements.query.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
  });
}
