/**
 * Team sync as the studio shows it: the account on a team server, the project's link to a
 * shared project, push and pull reports, and conflicts. The server's own wire shapes live in
 * `server-api.ts`; these are what the studio's contract speaks.
 */
import { z } from 'zod';
import { AbsolutePath } from './schemas.js';
import { RunIdSchema } from './training.js';
import type { ErrorPayload } from './errors.js';
import type { ImageStatus } from './domain.js';
import type { ModelPublic, ProjectPublic, UserPublic } from './server-api.js';

/**
 * A team server's address as the studio keeps it: http(s), no query or fragment, no trailing
 * slash, so that one server is always written the same way.
 */
export const ServerUrlSchema = z
  .string()
  .trim()
  .min(1, 'a server address is required')
  .max(2000)
  .refine((s) => {
    try {
      const url = new URL(s);
      return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
    } catch {
      return false;
    }
  }, 'a server address starts with http:// or https://, such as https://labels.example.com')
  .transform(normalizeServerUrl);

/** `https://Labels.example.com/` → `https://labels.example.com`; keeps a path prefix. */
export function normalizeServerUrl(raw: string): string {
  const url = new URL(raw.trim());
  const pathname = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${pathname}`;
}

export const RemoteProjectIdSchema = z.string().uuid('a remote project id is a UUID');

export const AccountLoginInput = z.object({
  serverUrl: ServerUrlSchema,
  email: z.string().trim().min(1, 'an email address is required').max(254),
  password: z.string().min(1, 'a password is required').max(256),
});
export type AccountLoginRequest = z.input<typeof AccountLoginInput>;

export const AccountRegisterInput = AccountLoginInput.extend({
  password: z.string().min(10, 'Use at least 10 characters.').max(256),
  name: z.string().trim().min(1).max(200).optional(),
});
export type AccountRegisterRequest = z.input<typeof AccountRegisterInput>;

/** Link the open project to a shared project: an existing one, or a new one made from it. */
export const SyncLinkInput = z.union([z.object({ remoteProjectId: RemoteProjectIdSchema }).strict(), z.object({ create: z.literal(true) }).strict()]);
export type SyncLinkRequest = z.input<typeof SyncLinkInput>;

export const SyncResolveInput = z.object({
  imageId: z.number().int().positive(),
  /** mine: the next push wins over the server's copy; theirs: the server's copy replaces this one. */
  keep: z.enum(['mine', 'theirs']),
});
export type SyncResolveRequest = z.input<typeof SyncResolveInput>;

export const SyncPublishModelInput = z.object({
  runId: RunIdSchema,
  name: z.string().trim().min(1, 'a model needs a name').max(200),
});
export type SyncPublishModelRequest = z.input<typeof SyncPublishModelInput>;

export const SyncCloneInput = z.object({
  /** Left out: the server the studio is logged in to. */
  serverUrl: ServerUrlSchema.optional(),
  remoteProjectId: RemoteProjectIdSchema,
  /** A new, empty (or missing) folder for the local copy. */
  dir: AbsolutePath,
});
export type SyncCloneRequest = z.input<typeof SyncCloneInput>;

export const SyncSetAutoSyncInput = z.object({ enabled: z.boolean() });

/** Who the studio is logged in as, and where. */
export interface AccountStatus {
  /** The server of the account; null when the studio never logged in (or logged out). */
  serverUrl: string | null;
  user: Pick<UserPublic, 'id' | 'email' | 'name' | 'role'> | null;
  signedIn: boolean;
}

/** A shared project on the server, as the studio lists it to choose one. */
export type RemoteProject = ProjectPublic;

/** The open project's link to a shared project. */
export interface SyncLink {
  serverUrl: string;
  remoteProjectId: string;
  remoteName: string | null;
  /** The server revision up to which this copy has pulled. */
  pullCursor: number;
  lastPushAt: string | null;
  lastPullAt: string | null;
  linkedAt: string;
}

/**
 * What the studio last saw of the server: `online` after an answer, `offline` when it could not
 * be reached, `signed_out` when the account has to log in (again), `unknown` before any call.
 */
export type SyncConnection = 'online' | 'offline' | 'signed_out' | 'unknown';

export interface SyncStatus {
  link: SyncLink | null;
  /** Images whose labels or media the server does not have yet (an upper bound until a push). */
  pendingChanges: number;
  conflicts: number;
  autoSync: boolean;
  connection: SyncConnection;
  /** A push or pull (by hand or automatic) is under way. */
  syncing: boolean;
  /** The last push or pull's failure (by hand or automatic); null once one succeeds. */
  lastError: ErrorPayload | null;
  /** When automatic sync tries again after a failure. */
  nextRetryAt: string | null;
  /** The status in words: "Synced 2 minutes ago", "Offline, will sync when the server is back". */
  message: string;
}

/** One side of a conflict, summarized: box or tag counts per class, and the status. */
export interface LabelsSummary {
  status: ImageStatus;
  annotations: number;
  perClass: { className: string; count: number }[];
}

export interface SyncConflict {
  imageId: number;
  name: string;
  hash: string;
  detectedAt: string;
  mine: LabelsSummary;
  theirs: LabelsSummary & { revision: number; updatedBy: string; updatedAt: string };
}

/** What a push or pull did. */
export interface SyncReport {
  direction: 'push' | 'pull';
  remoteProjectId: string;
  /** Push: images whose labels the server took. */
  imagesSent: number;
  /** Pull: images whose labels (and media, for new ones) came from the server. */
  imagesReceived: number;
  /** Annotations in the labels sent (push) or written here (pull). */
  annotationsApplied: number;
  /** Images that both sides changed, found by this push or pull; see `sync.conflicts`. */
  conflicts: number;
  /** Images already the same on both sides. */
  unchanged: number;
  mediaUploaded: number;
  bytesUploaded: number;
  mediaDownloaded: number;
  bytesDownloaded: number;
  /** Pull: classes the server had and this project did not. */
  classesCreated: string[];
  /** Pull: images the server sent that could not be stored here (bad media, a box outside). */
  failed: { name: string; reason: string }[];
  cancelled: boolean;
  durationMs: number;
}

/** A model in the team server's registry. */
export type PublishedModel = ModelPublic;
