/** Messages of the WebSocket transport used by `reticle serve`. */
import { z } from 'zod';
import type { Envelope } from '../errors.js';

export const WireCall = z.object({
  t: z.literal('call'),
  id: z.number().int().nonnegative(),
  channel: z.string().max(200),
  // Optional: JSON drops an undefined input, as for methods that take none.
  input: z.unknown().optional(),
});
export type WireCall = z.infer<typeof WireCall>;

type WireResult = { t: 'result'; id: number; envelope: Envelope };
type WireEvent = { t: 'event'; channel: string; payload: unknown };
export type WireServerMessage = WireResult | WireEvent;

/** The channel on which Electron pushes every contract event to the preload. */
export const IPC_EVENT_CHANNEL = 'reticle:event';

/**
 * What the preload exposes as `window.reticle`: three functions, no Electron objects. Channels
 * are checked against the contract on both sides of the bridge; the renderer builds the typed
 * API on top with `createClient`.
 */
export interface PreloadBridge {
  invoke(channel: string, input: unknown): Promise<Envelope>;
  on(channel: string, listener: (payload: unknown) => void): () => void;
  /**
   * The path on disk of a file the user dropped on the window, so the desktop app imports it in
   * place instead of uploading it. Empty for files that have none (made in the page).
   */
  pathForFile(file: File): string;
}

/** URL schemes and routes the renderer uses for images, per host. */
export const MEDIA_SCHEME = 'reticle-media';
export const APP_SCHEME = 'app';
/** thumb: 256 px; preview: at most 2048 px, for opening huge images fast; image: the original. */
export type MediaKind = 'thumb' | 'preview' | 'image';

/** Desktop: `reticle-media://thumb/42`. Browser (`reticle serve`): `/media/thumb/42`. */
export function mediaUrl(host: 'desktop' | 'serve', kind: MediaKind, imageId: number): string {
  return host === 'desktop' ? `${MEDIA_SCHEME}://${kind}/${imageId}` : `/media/${kind}/${imageId}`;
}

/**
 * An image outside the project, by the token `inference.openFolder` gave it.
 * Desktop: `reticle-media://external/<token>`. Browser: `/media/external/<token>`.
 */
export function externalMediaUrl(host: 'desktop' | 'serve', token: string): string {
  return host === 'desktop' ? `${MEDIA_SCHEME}://external/${token}` : `/media/external/${token}`;
}

/** `reticle serve` routes besides the static renderer. */
export const SERVE_ROUTES = {
  /** WebSocket carrying WireCall / WireServerMessage. */
  socket: '/api',
  /** `PUT /upload/<uploadId>/<relative/path>`: one dropped file, raw bytes. */
  upload: '/upload',
  media: '/media',
  /** `GET /files/runs/<runId>/<artifact kind>`: a run's weights or export, as a download. */
  files: '/files',
} as const;

/** Where a browser on `reticle serve` downloads a run's file (best.pt, an ONNX export…). */
export function runArtifactUrl(runId: string, kind: string): string {
  return `${SERVE_ROUTES.files}/runs/${encodeURIComponent(runId)}/${encodeURIComponent(kind)}`;
}

/**
 * The cookie `reticle serve` sets once the URL's token was shown. Browsers keep cookies per host,
 * not per port, so the name carries the port: two studios on one machine keep a cookie each
 * instead of overwriting each other's.
 */
export function serveTokenCookie(port: number): string {
  return `reticle_token_${port}`;
}
