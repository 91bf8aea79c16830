/**
 * The account on a team server: tokens kept encrypted and nowhere else, an expired access token
 * refreshed without the user noticing, and a session that ended elsewhere asking to log in again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileSecretStore, SECRETS_FILE, SECRETS_KEY_FILE } from '../../../../src-main/services/team/secret-store.js';
import { JsonFileSettings } from '../../../../src-main/services/settings/settings-store.js';
import { newEmail, PASSWORD, scratch, startTeamServer, teamStudio, type TeamServer } from './team-fixture.js';

let server: TeamServer;

beforeAll(async () => {
  server = await startTeamServer();
});

interface Session {
  serverUrl: string;
  accessToken: string;
  accessExpiresAt: string;
  refreshToken: string;
  user: { id: string; email: string };
}

const sessionIn = (dataDir: string) => JSON.parse(new FileSecretStore(dataDir).get('team.session') ?? 'null') as Session | null;
const rewriteSession = (dataDir: string, patch: Partial<Session>) => new FileSecretStore(dataDir).set('team.session', JSON.stringify({ ...sessionIn(dataDir), ...patch }));

/** An access token the server itself signed, that expired a minute ago. */
async function expiredToken(userId: string): Promise<string> {
  const secret = new TextEncoder().encode(fs.readFileSync(path.join(server.dataDir, 'jwt-secret'), 'utf8').trim());
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuer('reticle-server')
    .setAudience('reticle-studio')
    .setIssuedAt(now - 16 * 60)
    .setExpirationTime(now - 60)
    .sign(secret);
}

describe('the team account', () => {
  it('keeps the tokens in an encrypted file only its owner can read, and nowhere in the settings', async () => {
    const dataDir = path.join(scratch(), 'data');
    const settingsFile = path.join(dataDir, 'settings.json');
    const t = await teamStudio({ dataDir, settings: new JsonFileSettings(settingsFile) });
    const email = newEmail();
    const status = await t.api.account.register({ serverUrl: `${server.url}/`, email, password: PASSWORD, name: 'Ada' });
    expect(status).toMatchObject({ signedIn: true, serverUrl: server.url, user: { email, name: 'Ada' } });

    const session = sessionIn(dataDir)!;
    expect(session.accessToken.length).toBeGreaterThan(20);
    const sealed = fs.readFileSync(path.join(dataDir, SECRETS_FILE), 'utf8');
    for (const secret of [session.accessToken, session.refreshToken, session.accessToken.split('.')[1]]) {
      expect(sealed).not.toContain(secret);
      expect(fs.readFileSync(settingsFile, 'utf8')).not.toContain(secret);
    }
    expect(fs.statSync(path.join(dataDir, SECRETS_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dataDir, SECRETS_FILE)).mode & 0o777).toBe(0o600);
    await t.dispose();

    // The next start of the studio is still logged in.
    const again = await teamStudio({ dataDir, settings: new JsonFileSettings(settingsFile) });
    expect(await again.api.account.status()).toMatchObject({ signedIn: true, user: { email } });
    expect(await again.api.sync.remoteProjects()).toEqual([]);

    // Logging out forgets the tokens; the server's address stays, to offer it again.
    expect(await again.api.account.logout()).toEqual({ signedIn: false, serverUrl: server.url, user: null });
    expect(sessionIn(dataDir)).toBeNull();
    await expect(again.api.sync.remoteProjects()).rejects.toMatchObject({ code: 'forbidden', message: /Log in/ });
  });

  it('treats a key that no longer opens the file as logged out, and logs in again over it', async () => {
    const t = await teamStudio();
    const email = newEmail();
    await t.api.account.register({ serverUrl: server.url, email, password: PASSWORD });
    fs.writeFileSync(path.join(t.dataDir, SECRETS_KEY_FILE), Buffer.alloc(32, 7));
    expect(await t.api.account.status()).toMatchObject({ signedIn: false });
    expect(await t.api.account.login({ serverUrl: server.url, email, password: PASSWORD })).toMatchObject({ signedIn: true });
    expect(await t.api.sync.remoteProjects()).toEqual([]);
  });

  it('refreshes an expired access token once and carries on, on 401 and before it expires', async () => {
    const t = await teamStudio();
    await t.api.account.register({ serverUrl: server.url, email: newEmail(), password: PASSWORD });
    const first = sessionIn(t.dataDir)!;

    // The server refuses the expired token (401): the studio refreshes and sends the call again.
    const expired = await expiredToken(first.user.id);
    rewriteSession(t.dataDir, { accessToken: expired });
    expect(await t.api.sync.remoteProjects()).toEqual([]);
    const second = sessionIn(t.dataDir)!;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(expired);

    // A token the studio knows is about to expire is refreshed before the call.
    rewriteSession(t.dataDir, { accessExpiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(await t.api.sync.remoteProjects()).toEqual([]);
    const third = sessionIn(t.dataDir)!;
    expect(third.refreshToken).not.toBe(second.refreshToken);
    expect(Date.parse(third.accessExpiresAt)).toBeGreaterThan(Date.now() + 60_000);

    // Refresh tokens are single use: calls at once share one refresh, none is sent twice.
    rewriteSession(t.dataDir, { accessExpiresAt: new Date(Date.now() - 1000).toISOString() });
    await Promise.all([t.api.sync.remoteProjects(), t.api.sync.remoteProjects(), t.api.sync.remoteProjects()]);
    expect(await t.api.account.status()).toMatchObject({ signedIn: true });
    expect(await t.api.sync.remoteProjects()).toEqual([]);
  });

  it('asks to log in again when the session ended on the server, and says so in the sync status', async () => {
    const t = await teamStudio();
    await t.api.account.register({ serverUrl: server.url, email: newEmail(), password: PASSWORD });
    await t.api.projects.create({ dir: path.join(t.dataDir, 'p'), name: 'p', task: 'detect' });
    await t.api.sync.link({ create: true });
    const session = sessionIn(t.dataDir)!;
    // Signed out elsewhere: the server revokes the refresh token's family.
    const res = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: session.refreshToken }) });
    expect(res.status).toBe(204);
    rewriteSession(t.dataDir, { accessToken: await expiredToken(session.user.id) });

    await expect(t.api.sync.remoteProjects()).rejects.toMatchObject({ code: 'forbidden', message: /log in again/i });
    expect(await t.api.account.status()).toMatchObject({ signedIn: false, serverUrl: server.url });
    expect(await t.api.sync.status()).toMatchObject({ connection: 'signed_out', message: expect.stringContaining(`log in to ${server.url}`) });
    expect(t.events.some((e) => e.channel === 'reticle:account.onChanged' && (e.payload as { signedIn: boolean }).signedIn === false)).toBe(true);
  });

  it('says which password rule a registration broke, and what a wrong password is', async () => {
    const t = await teamStudio();
    await expect(t.api.account.register({ serverUrl: server.url, email: newEmail(), password: 'short' })).rejects.toMatchObject({ code: 'invalid_input', message: /10 characters/ });
    const email = newEmail();
    await t.api.account.register({ serverUrl: server.url, email, password: PASSWORD });
    await t.api.account.logout();
    await expect(t.api.account.login({ serverUrl: server.url, email, password: 'not the password' })).rejects.toMatchObject({ code: 'forbidden', message: /email or password is wrong/ });
    await expect(t.api.account.login({ serverUrl: 'ftp://example.com', email, password: PASSWORD })).rejects.toMatchObject({ code: 'invalid_input', message: /http/ });
    expect(await t.api.account.status()).toMatchObject({ signedIn: false });
  });
});
