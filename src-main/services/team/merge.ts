/**
 * The one rule for the server's copy of an image meeting this copy, used by pull and by a push
 * the server refused: take it where this copy has nothing unsynced, record agreement where both
 * say the same, and keep it as a conflict otherwise. Nothing local that was not synced is ever
 * replaced without the user choosing so.
 */
import type { ServerImage, TaskType, WireClass } from '@shared';
import type { ProjectStore } from '../store/project-store.js';
import { isBlank, labelsDigest, readLabels, writeLabels, type Labels } from './labels.js';

export type MergeOutcome =
  /** This copy has that revision, or a newer one, already. */
  | { kind: 'already' }
  /** Both copies hold the same labels. */
  | { kind: 'same' }
  /** This copy had nothing unsynced: it took the server's labels. */
  | { kind: 'taken'; imageId: number; written: number; dropped: number }
  /** Both copies changed: kept as a conflict for the user to settle. */
  | { kind: 'conflict'; imageId: number }
  /** This project does not hold the image (its media could not be fetched). */
  | { kind: 'missing' };

/** Call inside a transaction: the decision and its writes must see the same labels. */
export function mergeServerImage(store: ProjectStore, server: ServerImage, task: TaskType): MergeOutcome {
  const state = store.sync;
  const local = store.images.byHash(server.hash);
  if (!local) return { kind: 'missing' };
  const row = state.row(local.id);
  if (row.baseRevision !== null && row.baseRevision >= server.revision) return { kind: 'already' };
  const mine = readLabels(store, local.id);
  const mineDigest = labelsDigest(mine);
  const theirs: Labels = { status: server.status, annotations: server.annotations };
  if (mineDigest === labelsDigest(theirs)) {
    state.recordSynced(local.id, server.revision, mineDigest);
    state.deleteConflict(local.id);
    return { kind: 'same' };
  }
  const clean = row.syncedDigest !== null ? mineDigest === row.syncedDigest : isBlank(mine);
  if (!clean) {
    state.putConflict(local.id, server);
    return { kind: 'conflict', imageId: local.id };
  }
  return { kind: 'taken', imageId: local.id, ...takeServerCopy(store, local.id, server, task) };
}

/** Replaces this copy's labels with the server's and records them as synced at its revision. */
export function takeServerCopy(store: ProjectStore, imageId: number, server: ServerImage, task: TaskType): { written: number; dropped: number } {
  store.classes.ensure(server.annotations.map((a) => a.class));
  const result = writeLabels(store, imageId, { status: server.status, annotations: server.annotations }, task);
  // The digest of what this project now holds (boxes clamped, what it cannot hold left out).
  store.sync.recordSynced(imageId, server.revision, labelsDigest(readLabels(store, imageId)));
  store.sync.deleteConflict(imageId);
  return result;
}

/** Union of classes by name: the server's classes this project lacks are made, in the server's colours. */
export function adoptClasses(store: ProjectStore, classes: readonly WireClass[]): string[] {
  const created: string[] = [];
  for (const c of [...classes].sort((a, b) => a.order - b.order)) {
    const name = c.name.trim();
    if (store.classes.byName(name)) continue;
    store.classes.create(name, c.color);
    created.push(name);
  }
  return created;
}
