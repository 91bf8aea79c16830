/**
 * Push: send this copy's media and changed labels to the linked shared project.
 *
 * 1. Media by content: ask which hashes the server lacks (in batches), upload only those,
 *    streaming, with byte progress. Each upload is remembered at once, so a push cut short
 *    resumes where it stopped.
 * 2. Labels of images that may have changed (the `touched` hint), digested: those whose digest
 *    differs from the last synced one go up in batches with their base revision. The server
 *    applies an image only if nobody changed it since that revision; otherwise it answers with
 *    its copy, which becomes a conflict here (or is simply taken, where this copy had nothing
 *    of its own). Nothing on the server is overwritten without its revision being known.
 */
import fs from 'node:fs';
import { SYNC_BATCH, StudioError, type PushImage, type ServerImage, type SyncReport, type TaskType, type WireClass } from '@shared';
import type { SyncRepository, SyncImageRow } from '../store/sync-repository.js';
import { classNames, labelsDigest, readLabels } from './labels.js';
import { mergeServerImage } from './merge.js';
import { eachLimited, emptyReport, megabytes, type SyncRun, type SyncTarget } from './sync-job.js';

/** Files uploaded at once. */
const UPLOADS_AT_ONCE = 3;
/** A label batch stays under this many bytes of JSON, whatever the server's body limit. */
const MAX_BATCH_JSON = 768 * 1024;

export async function pushProject(target: SyncTarget, run: SyncRun): Promise<SyncReport> {
  const started = Date.now();
  const state = target.store.sync;
  const link = state.requireLink();
  const report = emptyReport('push', link.remoteProjectId);
  const push = new Push(target, run, state, link.remoteProjectId, report);
  try {
    await push.media();
    const lacking = await push.labels();
    // The server lost media it had (a restored server): send it again, then those labels.
    if (lacking.length > 0 && !run.signal.aborted) {
      state.setMediaOnServer(lacking, false);
      await push.media();
      await push.labels();
    }
    if (!run.signal.aborted) state.markPushed();
  } catch (err) {
    if (!(err instanceof StudioError && err.code === 'cancelled')) throw err;
  }
  report.cancelled = run.signal.aborted;
  report.durationMs = Date.now() - started;
  return report;
}

class Push {
  private readonly task: TaskType;

  constructor(
    private readonly target: SyncTarget,
    private readonly run: SyncRun,
    private readonly state: SyncRepository,
    private readonly projectId: string,
    private readonly report: SyncReport,
  ) {
    this.task = target.store.info().task;
  }

  /** Uploads the media the server lacks. */
  async media(): Promise<void> {
    const { client, signal } = this.run;
    const toUpload: (SyncImageRow & { file: string; bytes: number })[] = [];
    let after = 0;
    this.run.progress?.({ phase: 'scanning', done: 0, total: 0, current: 'Asking the server which images it lacks' });
    for (;;) {
      this.checkCancelled();
      const page = this.state.mediaNotOnServerAfter(after, SYNC_BATCH);
      if (page.length === 0) break;
      after = page[page.length - 1].id;
      const missing = new Set(await client.missingMedia(this.projectId, page.map((i) => i.hash), signal));
      this.state.setMediaOnServer(page.filter((i) => !missing.has(i.hash)).map((i) => i.id), true);
      for (const image of page.filter((i) => missing.has(i.hash))) {
        const file = this.target.media.mediaPath(image.hash, image.ext);
        const bytes = fileSize(file);
        if (bytes === null) this.report.failed.push({ name: image.name, reason: 'its media file is missing from the project folder' });
        else toUpload.push({ ...image, file, bytes });
      }
    }
    const totalBytes = toUpload.reduce((n, i) => n + i.bytes, 0);
    let sentBytes = 0;
    let sentFiles = 0;
    const progress = () =>
      this.run.progress?.({
        phase: 'working',
        done: sentBytes,
        total: totalBytes,
        current: `Uploading images: ${sentFiles} of ${toUpload.length} (${megabytes(sentBytes)} of ${megabytes(totalBytes)})`,
      });
    progress();
    await eachLimited(toUpload, UPLOADS_AT_ONCE, async (image) => {
      this.checkCancelled();
      try {
        await client.uploadMedia(this.projectId, image.hash, image.file, image.bytes, {
          signal,
          onBytes: (n) => {
            sentBytes += n;
            progress();
          },
        });
      } catch (err) {
        // The server refused this file (its bytes do not match its hash: damaged here): the
        // others still go; this image's labels wait until it can be sent.
        if (!(err instanceof StudioError && err.code === 'invalid_input')) throw err;
        this.report.failed.push({ name: image.name, reason: err.message });
        return;
      }
      this.state.setMediaOnServer([image.id], true);
      sentFiles++;
      this.report.mediaUploaded++;
      this.report.bytesUploaded += image.bytes;
      progress();
    });
  }

  /** Pushes the labels that changed; returns the images whose media the server said it lacks. */
  async labels(): Promise<number[]> {
    const { store } = this.target;
    const lacking: number[] = [];
    const names = classNames(store);
    const classes: WireClass[] = store.classes.list().map((c, order) => ({ name: c.name, color: c.color, order }));
    const total = this.state.pendingCount();
    let looked = 0;
    let after = 0;
    for (;;) {
      this.checkCancelled();
      const ids = this.state.touchedAfter(after, SYNC_BATCH);
      if (ids.length === 0) break;
      after = ids[ids.length - 1];
      const outgoing: { image: PushImage; id: number; digest: string }[] = [];
      for (const id of ids) {
        const row = this.state.row(id);
        if (!row.mediaOnServer) continue;
        const labels = readLabels(store, id, names);
        const digest = labelsDigest(labels);
        if (row.baseRevision !== null && row.syncedDigest === digest) {
          this.state.clearTouched(id);
          this.report.unchanged++;
          continue;
        }
        const image = this.state.image(id);
        outgoing.push({
          id,
          digest,
          image: { hash: image.hash, name: image.name.slice(0, 255), ext: image.ext, width: image.width, height: image.height, ...labels, baseRevision: row.baseRevision },
        });
      }
      for (const batch of bySize(outgoing)) {
        this.checkCancelled();
        const answer = await this.run.client.pushLabels(this.projectId, { classes, images: batch.map((o) => o.image) }, this.run.signal);
        lacking.push(...this.record(batch, answer.applied, answer.conflicts, answer.missingMedia));
      }
      looked += ids.length;
      this.run.progress?.({ phase: 'finishing', done: Math.min(looked, total), total, current: `Sending labels: ${this.report.imagesSent} sent` });
    }
    return lacking;
  }

  /** Writes what the server answered for one batch, in one transaction. */
  private record(batch: { image: PushImage; id: number; digest: string }[], applied: { hash: string; revision: number }[], conflicts: { hash: string; server: ServerImage }[], missing: string[]): number[] {
    const { store } = this.target;
    const sent = new Map(batch.map((o) => [o.image.hash, o]));
    const changedHere: number[] = [];
    const lacking: number[] = [];
    store.writeTransaction(() => {
      const names = classNames(store);
      for (const a of applied) {
        const o = sent.get(a.hash);
        if (!o) continue;
        // Edited while the push was on its way: synced as sent, and looked at again next time.
        const now = labelsDigest(readLabels(store, o.id, names));
        this.state.recordSynced(o.id, a.revision, o.digest, now !== o.digest);
        this.report.imagesSent++;
        this.report.annotationsApplied += o.image.annotations.length;
      }
      for (const c of conflicts) {
        const outcome = mergeServerImage(store, c.server, this.task);
        if (outcome.kind === 'conflict') this.report.conflicts++;
        else if (outcome.kind === 'taken') changedHere.push(outcome.imageId);
      }
      for (const hash of missing) {
        const o = sent.get(hash);
        if (o) lacking.push(o.id);
      }
    })();
    if (changedHere.length) this.run.events?.labelsChanged(changedHere);
    return lacking;
  }

  private checkCancelled(): void {
    if (this.run.signal.aborted) throw new StudioError('cancelled', 'Cancelled by the user.');
  }
}

/** Splits a label batch so no request body grows past what a server comfortably takes. */
function bySize<T extends { image: PushImage }>(items: T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const bytes = JSON.stringify(item.image).length + 1;
    if (current.length > 0 && size + bytes > MAX_BATCH_JSON) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += bytes;
  }
  if (current.length) out.push(current);
  return out;
}

function fileSize(file: string): number | null {
  try {
    return fs.statSync(file).size;
  } catch {
    return null;
  }
}
