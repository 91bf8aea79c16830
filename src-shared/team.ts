/**
 * Team sync as the studio shows it: the account on a team server, push and pull reports, and
 * conflicts. The server's own wire shapes live in `server-api.ts`.
 */
/** What a push or pull did. */
export interface SyncReport {
  direction: 'push' | 'pull';
  imagesSent: number;
  imagesReceived: number;
  annotationsApplied: number;
  conflicts: number;
}
