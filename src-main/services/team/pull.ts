/**
 * Pull: bring the shared project's changes into this copy, page by page from the pull cursor.
 *
 * Classes are united by name. Images this copy lacks are downloaded, checked against their hash,
 * and stored through the import pipeline (media store, thumbnail, difference hash), exactly as an
 * imported file is. Then each image's labels meet this copy's by the merge rule: taken where this
 * copy has nothing unsynced, a conflict where both changed. A page's labels and the cursor after
 * it commit together, so a pull cut short starts again at the page it was on; an image whose
 * media could not be stored holds the cursor before it, so the next pull tries it again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { PULL_PAGE, StudioError, type ServerImage, type SyncReport } from '@shared';
import { runImport } from '../import/pipeline.js';
import type { ImportPlan } from '../import/plan.js';
import { adoptClasses, mergeServerImage } from './merge.js';
import { eachLimited, emptyReport, megabytes, type SyncRun, type SyncTarget } from './sync-job.js';

/** Files downloaded at once. */
const DOWNLOADS_AT_ONCE = 4;

export interface PullOptions {
  /** Images per page (PULL_PAGE by default). */
  pageSize?: number;
}

export async function pullProject(target: SyncTarget, run: SyncRun, options: PullOptions = {}): Promise<SyncReport> {
  const started = Date.now();
  const { store } = target;
  const state = store.sync;
  const link = state.requireLink();
  const report = emptyReport('pull', link.remoteProjectId);
  const task = store.info().task;
  const pageSize = options.pageSize ?? PULL_PAGE;
  const staging = path.join(store.paths.staging, `pull-${randomBytes(6).toString('hex')}`);

  const remote = await run.client.getProject(link.remoteProjectId, run.signal);
  if (remote.task !== task) {
    throw new StudioError('invalid_input', `The shared project "${remote.name}" is a ${remote.task} project and this one is ${task}: they cannot sync.`);
  }
  state.setRemoteName(remote.name);
  let cursor = link.pullCursor;
  // Images changed since the cursor: at most one per revision, at most every image.
  const total = Math.max(0, Math.min(remote.imageCount, remote.revision - cursor));
  let done = 0;
  /** Where the next pull starts again: before the first image whose media could not be stored. */
  let retryFrom: number | null = null;
  try {
    for (;;) {
      if (run.signal.aborted) break;
      const page = await run.client.pullLabels(link.remoteProjectId, cursor, pageSize, run.signal);
      const created = store.writeTransaction(() => adoptClasses(store, page.classes))();
      if (created.length) {
        report.classesCreated.push(...created);
        run.events?.classesChanged();
      }
      const fresh = page.images.filter((s) => !store.images.byHash(s.hash));
      await storeNewImages(target, run, link.remoteProjectId, fresh, path.join(staging, String(cursor)), report, () => done);
      if (run.signal.aborted) break;
      const added = new Set(fresh.filter((s) => store.images.byHash(s.hash)).map((s) => s.hash));
      if (added.size > 0) run.events?.imagesAdded();
      report.imagesReceived += added.size;
      for (const missed of fresh.filter((s) => !added.has(s.hash))) retryFrom = Math.min(retryFrom ?? Infinity, missed.revision - 1);

      const changed: number[] = [];
      store.writeTransaction(() => {
        for (const server of page.images) {
          const outcome = mergeServerImage(store, server, task);
          if (outcome.kind === 'taken') {
            changed.push(outcome.imageId);
            if (!added.has(server.hash)) report.imagesReceived++;
            report.annotationsApplied += outcome.written;
            if (outcome.dropped) report.failed.push({ name: server.name, reason: `${outcome.dropped} of its labels do not fit this project (outside the image, or of another kind) and were left out` });
          } else if (outcome.kind === 'conflict') report.conflicts++;
          else if ((outcome.kind === 'same' || outcome.kind === 'already') && !added.has(server.hash)) report.unchanged++;
        }
        state.setCursor(Math.min(page.cursor, retryFrom ?? Infinity));
      })();
      if (changed.length) run.events?.labelsChanged(changed);
      done += page.images.length;
      run.progress?.({ phase: 'working', done: Math.min(done, total), total, current: `Received ${report.imagesReceived} images` });
      cursor = page.cursor;
      if (!page.more) break;
    }
    if (!run.signal.aborted) state.markPulled();
  } finally {
    await fs.promises.rm(staging, { recursive: true, force: true });
  }
  report.cancelled = run.signal.aborted;
  report.durationMs = Date.now() - started;
  return report;
}

/**
 * Downloads the media of images this copy lacks into `staging` (each checked against its hash)
 * and stores them with the import pipeline.
 */
async function storeNewImages(target: SyncTarget, run: SyncRun, projectId: string, images: ServerImage[], staging: string, report: SyncReport, doneBefore: () => number): Promise<void> {
  if (images.length === 0) return;
  const shownAs = new Map<string, string>();
  const plan: ImportPlan = { format: 'images', classNames: [], images: [], failures: [], skipped: 0 };
  let files = 0;
  await eachLimited(images, DOWNLOADS_AT_ONCE, async (image) => {
    if (run.signal.aborted) return;
    const file = path.join(staging, image.hash, stagedName(image));
    try {
      const bytes = await run.client.downloadMedia(projectId, image.hash, file, { signal: run.signal });
      report.mediaDownloaded++;
      report.bytesDownloaded += bytes;
    } catch (err) {
      // A file the server holds wrongly is reported; losing the server is not (the pull stops).
      if (!(err instanceof StudioError && (err.code === 'io' || err.code === 'not_found'))) throw err;
      report.failed.push({ name: image.name, reason: err.message });
      return;
    }
    shownAs.set(file, image.name);
    plan.images.push({ path: file, labels: [], labeled: false });
    files++;
    run.progress?.({ phase: 'working', done: doneBefore(), total: 0, current: `Downloading images: ${files} of ${images.length} (${megabytes(report.bytesDownloaded)})` });
  });
  if (run.signal.aborted || plan.images.length === 0) return;
  // Folder order, as an import of these files would commit them.
  plan.images.sort((a, b) => a.path.localeCompare(b.path));
  const imported = await runImport(target.store, target.media, plan, { signal: run.signal, displayPath: (p) => shownAs.get(p) ?? path.basename(p) });
  for (const f of imported.failed) report.failed.push({ name: f.path, reason: f.reason });
}

/** A file name for the staged copy: the server's name, made safe to use as a path. */
function stagedName(image: ServerImage): string {
  const base = image.name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^\.+/, '').slice(0, 120);
  if (!clean) return `${image.hash.slice(0, 16)}${image.ext}`;
  return clean.toLowerCase().endsWith(image.ext) ? clean : `${clean}${image.ext}`;
}
