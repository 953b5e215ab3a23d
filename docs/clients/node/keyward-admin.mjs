// Call keyward's Admin API from Node.js (20+) with `jose` (docs/clients.md).
//
//   npm install jose
//   KEYWARD_ENDPOINT=https://myapp.example.com/_api/admin/graphql \
//   KEYWARD_PROJECT=myapp KEYWARD_KID=<key ID> KEYWARD_KEY_FILE=private-key.pem \
//     node keyward-admin.mjs alice@example.com
//
// Creates a user with that email, finds it again by login ID and prints both
// IDs as JSON. CI runs this file against a live keyward server.
import { readFile } from 'node:fs/promises';
import { importPKCS8, SignJWT } from 'jose';

export class AdminAPIError extends Error {
  constructor(status, reason, message) {
    super(`HTTP ${status} ${reason}: ${message}`);
    this.status = status;
    this.reason = reason;
  }
}

export class AdminAPI {
  // privateKeyPem: the PKCS#8 PEM keyward gives you (-----BEGIN PRIVATE KEY-----).
  constructor({ endpoint, project, kid, privateKeyPem, ttl = 300 }) {
    Object.assign(this, { endpoint, project, kid, ttl });
    this.key = importPKCS8(privateKeyPem, 'RS256');
    this.tokensSigned = 0;
    this.pending = null; // concurrent callers share one signing
    this.cached = null;
  }

  async token() {
    const now = Math.floor(Date.now() / 1000);
    if (this.cached && now < this.cached.renewAt) return this.cached.token;
    this.pending ??= (async () => {
      const iat = now - 5; // a little slack for clock drift
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: this.kid, typ: 'JWT' })
        .setAudience([this.project])
        .setIssuedAt(iat)
        .setExpirationTime(iat + this.ttl)
        .sign(await this.key);
      this.tokensSigned += 1;
      this.cached = { token, renewAt: iat + Math.floor((this.ttl * 4) / 5) };
      return token;
    })().finally(() => { this.pending = null; });
    return this.pending;
  }

  async graphql(query, variables = {}) {
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await this.token()}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = await response.json();
    if (!response.ok) {
      throw new AdminAPIError(response.status, body.error?.reason, body.error?.message);
    }
    if (body.errors?.length) {
      const [first] = body.errors;
      throw new AdminAPIError(200, first.extensions?.reason, first.message);
    }
    return body.data;
  }
}

const CREATE_USER = `
mutation($email: String!) {
  createUser(input: {definition: {loginID: {key: "email", value: $email}}}) {
    user { id }
  }
}`;

const FIND_USER = `
query($email: String!) {
  getUserByLoginID(loginIDKey: "email", loginIDValue: $email) { id }
}`;

async function main() {
  const api = new AdminAPI({
    endpoint: process.env.KEYWARD_ENDPOINT,
    project: process.env.KEYWARD_PROJECT,
    kid: process.env.KEYWARD_KID,
    privateKeyPem: await readFile(process.env.KEYWARD_KEY_FILE, 'utf8'),
  });
  const email = process.argv[2];
  try {
    const created = (await api.graphql(CREATE_USER, { email })).createUser.user.id;
    const found = (await api.graphql(FIND_USER, { email })).getUserByLoginID.id;
    console.log(JSON.stringify({ created, found, tokens_signed: api.tokensSigned }));
  } catch (e) {
    console.error(`error: ${e.message}`);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
