/**
 * The studio's account on a team server: logging in and out, and the tokens every call needs.
 * Tokens live in the SecretStore only (the plain settings keep the server's address, to offer it
 * again). An access token lasts minutes; it is refreshed shortly before it expires or when the
 * server refuses it, one refresh at a time: refresh tokens are single use, and sending one twice
 * would make the server revoke the whole login.
 */
import { StudioError, TokenPair, type AccountStatus, type UserPublic } from '@shared';
import type { SettingsStore } from '../settings/settings-store.js';
import type { SecretStore } from './secret-store.js';
import { TeamClient, type TokenSource } from './team-client.js';

const SESSION_KEY = 'team.session';
const LAST_SERVER_KEY = 'team.lastServer';
/** Refresh this long before the access token expires, so a call never starts with a dying one. */
const EXPIRY_MARGIN_MS = 30_000;

interface StoredSession {
  serverUrl: string;
  accessToken: string;
  accessExpiresAt: string;
  refreshToken: string;
  refreshExpiresAt: string;
  user: UserPublic;
}

export interface TeamAccountOptions {
  secrets: SecretStore;
  settings: SettingsStore;
  fetch?: typeof fetch;
  onChanged?: (status: AccountStatus) => void;
}

export class TeamAccount {
  private refreshing: Promise<string> | null = null;

  constructor(private readonly options: TeamAccountOptions) {}

  status(): AccountStatus {
    const session = this.session();
    if (!session) return { serverUrl: this.options.settings.get<string>(LAST_SERVER_KEY) ?? null, user: null, signedIn: false };
    const { id, email, name, role } = session.user;
    return { serverUrl: session.serverUrl, user: { id, email, name, role }, signedIn: true };
  }

  /** Logs in; the account replaces any other the studio was logged in to. */
  async login(serverUrl: string, email: string, password: string): Promise<AccountStatus> {
    const pair = await new TeamClient(serverUrl, { fetch: this.options.fetch }).login({ email, password });
    return this.adopt(serverUrl, pair);
  }

  /** Makes an account on the server and logs in with it. */
  async register(serverUrl: string, email: string, password: string, name?: string): Promise<AccountStatus> {
    const client = new TeamClient(serverUrl, { fetch: this.options.fetch });
    const pair = (await client.register({ email, password, name })) ?? (await client.login({ email, password }));
    return this.adopt(serverUrl, pair);
  }

  /**
   * Forgets the tokens here, and tells the server to end the session when it can be reached
   * (logging out works offline too; the refresh token then simply expires).
   */
  async logout(): Promise<AccountStatus> {
    const session = this.session();
    if (session) {
      this.forget();
      await new TeamClient(session.serverUrl, { fetch: this.options.fetch, timeoutMs: 5000 }).logout(session.refreshToken).catch(() => undefined);
    }
    const status = this.status();
    this.options.onChanged?.(status);
    return status;
  }

  /**
   * A client of the account's server, with its tokens. `serverUrl` names the server a project
   * syncs with: logged in elsewhere (or not at all) is an error that says where to log in.
   */
  client(serverUrl?: string): TeamClient {
    const session = this.session();
    if (!session) throw new StudioError('forbidden', `Log in to ${serverUrl ?? 'a team server'} first (Team tab, or \`reticle login\`).`);
    if (serverUrl && serverUrl !== session.serverUrl) {
      throw new StudioError('forbidden', `This project syncs with ${serverUrl}, but the studio is logged in to ${session.serverUrl}. Log in to ${serverUrl} to sync it.`);
    }
    return new TeamClient(session.serverUrl, { fetch: this.options.fetch, tokens: this.tokens(session.serverUrl) });
  }

  private tokens(serverUrl: string): TokenSource {
    return {
      accessToken: async () => {
        const session = this.sessionFor(serverUrl);
        return expiresSoon(session.accessExpiresAt) ? this.refresh(serverUrl, session.accessToken) : session.accessToken;
      },
      refresh: (rejected) => this.refresh(serverUrl, rejected),
    };
  }

  private refresh(serverUrl: string, rejected: string): Promise<string> {
    this.refreshing ??= this.refreshOnce(serverUrl, rejected).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refreshOnce(serverUrl: string, rejected: string): Promise<string> {
    const session = this.sessionFor(serverUrl);
    // Another studio process (the CLI beside the app) may have refreshed already.
    if (session.accessToken !== rejected && !expiresSoon(session.accessExpiresAt)) return session.accessToken;
    let pair: TokenPair;
    try {
      pair = await new TeamClient(serverUrl, { fetch: this.options.fetch }).refresh(session.refreshToken);
    } catch (err) {
      if (err instanceof StudioError && ['forbidden', 'invalid_input', 'not_found'].includes(err.code)) {
        this.forget();
        this.options.onChanged?.(this.status());
        throw new StudioError('forbidden', `Your session on ${serverUrl} has ended: log in again.`, { cause: err });
      }
      throw err;
    }
    this.store(serverUrl, pair);
    return pair.accessToken;
  }

  private adopt(serverUrl: string, pair: TokenPair): AccountStatus {
    this.store(serverUrl, pair);
    this.options.settings.set(LAST_SERVER_KEY, serverUrl);
    const status = this.status();
    this.options.onChanged?.(status);
    return status;
  }

  private store(serverUrl: string, pair: TokenPair): void {
    const session: StoredSession = {
      serverUrl,
      accessToken: pair.accessToken,
      accessExpiresAt: pair.accessExpiresAt,
      refreshToken: pair.refreshToken,
      refreshExpiresAt: pair.refreshExpiresAt,
      user: pair.user,
    };
    this.options.secrets.set(SESSION_KEY, JSON.stringify(session));
  }

  private forget(): void {
    this.options.secrets.delete(SESSION_KEY);
  }

  private session(): StoredSession | null {
    const raw = this.options.secrets.get(SESSION_KEY);
    if (!raw) return null;
    try {
      const session = JSON.parse(raw) as StoredSession;
      // A login whose refresh token has expired cannot come back without the password.
      if (Date.parse(session.refreshExpiresAt) <= Date.now()) return null;
      return session;
    } catch {
      return null;
    }
  }

  private sessionFor(serverUrl: string): StoredSession {
    const session = this.session();
    if (!session || session.serverUrl !== serverUrl) throw new StudioError('forbidden', `The studio is no longer logged in to ${serverUrl}. Log in again.`);
    return session;
  }
}

function expiresSoon(iso: string): boolean {
  const at = Date.parse(iso);
  return !Number.isFinite(at) || at - Date.now() < EXPIRY_MARGIN_MS;
}
