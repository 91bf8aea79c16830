import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { BACKENDS, bearer, expectStatus, login, PASSWORD, register, startTestServer, uniqueEmail, type Account, type TestServer } from './harness.js';

const SECRET = new TextEncoder().encode('a test secret that is long enough to sign tokens');

async function token(claims: { sub: string; exp: number }, key = SECRET, alg = 'HS256'): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg }).setSubject(claims.sub).setIssuer('reticle-server').setAudience('reticle-studio').setIssuedAt(claims.exp - 900).setExpirationTime(claims.exp).sign(key);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

for (const backend of BACKENDS) describe(`accounts and tokens on ${backend.name}`, () => {
  let server: TestServer;
  let admin: Account;

  beforeAll(async () => {
    if (backend.skip) return;
    server = await startTestServer(backend, { authRateLimitPerMinute: 1000 });
    admin = await register(server.app);
  });
  afterAll(async () => server?.close());

  const me = (headers: Record<string, string>) => server.app.inject({ method: 'GET', url: '/api/auth/me', headers });

  it.skipIf(backend.skip)('makes the first account admin and later ones members', async () => {
    expect((await me(admin.headers)).json()).toMatchObject({ email: admin.email, role: 'admin', disabled: false });
    const second = await register(server.app);
    expect((await me(second.headers)).json()).toMatchObject({ email: second.email, role: 'member' });
  });

  it.skipIf(backend.skip)('refuses a second account with the same email, in any case', async () => {
    const email = uniqueEmail();
    await register(server.app, email);
    const again = await server.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: email.toUpperCase(), password: PASSWORD } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('already_exists');
  });

  it.skipIf(backend.skip)('signs in with the right password only, and says the same for an unknown email', async () => {
    const user = await register(server.app);
    const ok = expectStatus(await login(server.app, user.email), 200).json();
    expect(ok.user.email).toBe(user.email);
    expect(Date.parse(ok.accessExpiresAt) - Date.now()).toBeLessThanOrEqual(15 * 60_000 + 1000);
    const wrong = await login(server.app, user.email, 'not the password at all');
    const unknown = await login(server.app, uniqueEmail('nobody'), 'not the password at all');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
  });

  it.skipIf(backend.skip)('refuses missing, malformed, expired, forged, alg:none and HS512 tokens', async () => {
    const sub = admin.id;
    const cases: Record<string, Record<string, string>> = {
      missing: {},
      malformed: bearer('not.a.token'),
      notBearer: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      expired: bearer(await token({ sub, exp: now() - 60 })),
      forged: bearer(await token({ sub, exp: now() + 600 }, new TextEncoder().encode('some other secret that is long enough too'))),
      algNone: bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub, iss: 'reticle-server', aud: 'reticle-studio', exp: now() + 600 })}.`),
      hs512: bearer(await token({ sub, exp: now() + 600 }, SECRET, 'HS512')),
      unknownUser: bearer(await token({ sub: '00000000-0000-4000-8000-000000000000', exp: now() + 600 })),
      notUuidSubject: bearer(await token({ sub: "x' OR 1=1 --", exp: now() + 600 })),
    };
    for (const [name, headers] of Object.entries(cases)) {
      const response = await me(headers);
      expect({ name, status: response.statusCode }).toEqual({ name, status: 401 });
      expect(response.json().error.code).toMatch(/unauthorized/);
    }
    // The same construction with the right key and algorithm works: the refusals above are about the token.
    expect((await me(bearer(await token({ sub, exp: now() + 600 })))).statusCode).toBe(200);
  });

  it.skipIf(backend.skip)('rotates refresh tokens, and reuse of an old one ends the whole family', async () => {
    const user = await register(server.app);
    const first = expectStatus(await login(server.app, user.email), 200).json();
    const refresh = (refreshToken: string) => server.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
    const second = expectStatus(await refresh(first.refreshToken), 200).json();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const third = expectStatus(await refresh(second.refreshToken), 200).json();
    // The stolen (already used) first token comes back:
    const reuse = await refresh(first.refreshToken);
    expect(reuse.statusCode).toBe(401);
    // …and now even the newest one is dead.
    expect((await refresh(third.refreshToken)).statusCode).toBe(401);
    // Another sign-in is its own family and still works.
    const other = expectStatus(await login(server.app, user.email), 200).json();
    expect((await refresh(other.refreshToken)).statusCode).toBe(200);
  });

  it.skipIf(backend.skip)('logout revokes the family', async () => {
    const user = await register(server.app);
    const pair = expectStatus(await login(server.app, user.email), 200).json();
    const rotated = expectStatus(await server.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: pair.refreshToken } }), 200).json();
    expect((await server.app.inject({ method: 'POST', url: '/api/auth/logout', payload: { refreshToken: rotated.refreshToken } })).statusCode).toBe(204);
    expect((await server.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: rotated.refreshToken } })).statusCode).toBe(401);
    // An unknown token logs out quietly.
    expect((await server.app.inject({ method: 'POST', url: '/api/auth/logout', payload: { refreshToken: 'x'.repeat(43) } })).statusCode).toBe(204);
  });

  it.skipIf(backend.skip)('a disabled account cannot sign in, refresh, or use the token it has', async () => {
    const user = await register(server.app);
    const pair = expectStatus(await login(server.app, user.email), 200).json();
    expect((await me(bearer(pair.accessToken))).statusCode).toBe(200);
    expectStatus(await server.app.inject({ method: 'PATCH', url: `/api/admin/users/${user.id}`, headers: admin.headers, payload: { disabled: true } }), 200);
    expect((await me(bearer(pair.accessToken))).statusCode).toBe(401);
    expect((await login(server.app, user.email)).statusCode).toBe(401);
    expect((await server.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: pair.refreshToken } })).statusCode).toBe(401);
    // Enabled again: a fresh sign-in works, the revoked refresh token stays revoked.
    expectStatus(await server.app.inject({ method: 'PATCH', url: `/api/admin/users/${user.id}`, headers: admin.headers, payload: { disabled: false } }), 200);
    const fresh = expectStatus(await login(server.app, user.email), 200).json();
    expect((await server.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: pair.refreshToken } })).statusCode).toBe(401);
    // Issue 19: the access token from before the disabling stays dead; the new one works.
    const old = await me(bearer(pair.accessToken));
    expect(old.statusCode).toBe(401);
    expect(old.json().error.message).toMatch(/disabled the account: sign in again/);
    expect((await me(bearer(fresh.accessToken))).statusCode).toBe(200);
  });

  it.skipIf(backend.skip)('keeps the last active admin: no demoting, disabling or deleting it', async () => {
    const users = expectStatus(await server.app.inject({ method: 'GET', url: '/api/admin/users', headers: admin.headers }), 200).json();
    expect(users.filter((u: { role: string; disabled: boolean }) => u.role === 'admin' && !u.disabled)).toHaveLength(1);
    for (const payload of [{ role: 'member' }, { disabled: true }]) {
      const response = await server.app.inject({ method: 'PATCH', url: `/api/admin/users/${admin.id}`, headers: admin.headers, payload });
      expect(response.statusCode).toBe(409);
    }
    expect((await server.app.inject({ method: 'DELETE', url: `/api/admin/users/${admin.id}`, headers: admin.headers })).statusCode).toBe(409);
    // With a second admin, the first may step down.
    const other = await register(server.app);
    expectStatus(await server.app.inject({ method: 'PATCH', url: `/api/admin/users/${other.id}`, headers: admin.headers, payload: { role: 'admin' } }), 200);
    expectStatus(await server.app.inject({ method: 'PATCH', url: `/api/admin/users/${admin.id}`, headers: other.headers, payload: { role: 'member' } }), 200);
    expect((await me(admin.headers)).json().role).toBe('member');
    expectStatus(await server.app.inject({ method: 'PATCH', url: `/api/admin/users/${admin.id}`, headers: other.headers, payload: { role: 'admin' } }), 200);
  });

  it.skipIf(backend.skip)('admins create, list, rename and delete accounts', async () => {
    const email = uniqueEmail('made');
    const created = expectStatus(await server.app.inject({ method: 'POST', url: '/api/admin/users', headers: admin.headers, payload: { email, password: PASSWORD, name: 'Made By Admin' } }), 201).json();
    expect(created).toMatchObject({ email, name: 'Made By Admin', role: 'member' });
    expect((await login(server.app, email)).statusCode).toBe(200);
    const renamed = expectStatus(await server.app.inject({ method: 'PATCH', url: `/api/admin/users/${created.id}`, headers: admin.headers, payload: { name: 'Renamed' } }), 200).json();
    expect(renamed.name).toBe('Renamed');
    expect((await server.app.inject({ method: 'DELETE', url: `/api/admin/users/${created.id}`, headers: admin.headers })).statusCode).toBe(204);
    expect((await login(server.app, email)).statusCode).toBe(401);
    const list = expectStatus(await server.app.inject({ method: 'GET', url: '/api/admin/users', headers: admin.headers }), 200).json();
    expect(list.map((u: { email: string }) => u.email)).not.toContain(email);
  });
});

for (const backend of BACKENDS) describe(`registration and login limits on ${backend.name}`, () => {
  it.skipIf(backend.skip)('with registration closed, only the first account registers itself; admins create the rest', async () => {
    const server = await startTestServer(backend, { allowRegistration: false });
    try {
      const admin = await register(server.app);
      const refused = await server.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: uniqueEmail(), password: PASSWORD } });
      expect(refused.statusCode).toBe(403);
      const email = uniqueEmail();
      expectStatus(await server.app.inject({ method: 'POST', url: '/api/admin/users', headers: admin.headers, payload: { email, password: PASSWORD } }), 201);
      expect((await login(server.app, email)).statusCode).toBe(200);
    } finally {
      await server.close();
    }
  });

  it.skipIf(backend.skip)('locks an account after 10 failures in 15 minutes, with Retry-After, even for the right password', async () => {
    const server = await startTestServer(backend, { authRateLimitPerMinute: 1000 });
    try {
      const user = await register(server.app);
      const bystander = await register(server.app);
      for (let i = 0; i < 10; i++) expect((await login(server.app, user.email, `wrong password ${i}`)).statusCode).toBe(401);
      const locked = await login(server.app, user.email);
      expect(locked.statusCode).toBe(429);
      expect(locked.json().error.code).toBe('rate_limited');
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
      expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(900);
      // Other accounts are not affected.
      expect((await login(server.app, bystander.email)).statusCode).toBe(200);
    } finally {
      await server.close();
    }
  });

  it.skipIf(backend.skip)('limits login attempts per address, whatever the account', async () => {
    const server = await startTestServer(backend, { authRateLimitPerMinute: 5 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await login(server.app, uniqueEmail('spray'), 'whatever password')).statusCode);
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(5)).toEqual([429, 429]);
      const limited = await login(server.app, uniqueEmail('spray'), 'whatever password');
      expect(limited.json().error.code).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Another address is not limited.
      const elsewhere = await server.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.1.2.3', payload: { email: uniqueEmail(), password: 'whatever password' } });
      expect(elsewhere.statusCode).toBe(401);
    } finally {
      await server.close();
    }
  });
});
