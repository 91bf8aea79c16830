/**
 * The contract's implementation: thin methods that bind requests to the open project's services.
 * Transports call it through the ApiHost, which has already validated every payload.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StudioError, type AppInfo, type RecentProject, type StudioEmitter, type StudioServices } from '@shared';
import type { ProjectSession } from './project-session.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { SettingsStore } from '../settings/settings-store.js';
import { runImport } from '../import/pipeline.js';
import { planImport } from '../import/formats/index.js';
import { exportDataset } from '../export/index.js';
import { datasetStats } from '../dataset/stats.js';
import { datasetHealth } from '../dataset/health.js';
import { applySplits, pinSplits, splitSummary } from '../dataset/project-splits.js';
import { throttle } from './throttle.js';
import type { RuntimeService } from '../runtime/runtime-service.js';
import type { TrainingService } from '../training/training-service.js';
import type { InferenceService } from '../inference/inference-service.js';
import type { ExternalImages } from '../media/external-images.js';
import type { TeamServices } from '../team/team-services.js';
import type { BackupServices } from '../backup/backup-services.js';

export interface StudioServicesDeps {
  session: ProjectSession;
  jobs: JobRunner;
  settings: SettingsStore;
  emit: () => StudioEmitter;
  app: Omit<AppInfo, 'platform'>;
  /** A native folder picker, where the host has one. */
  pickDirectory?: (title?: string) => Promise<string | null>;
  /** The Python runtime that trains (find, check, install). */
  runtime: RuntimeService;
  /**
   * Jobs that belong to the studio rather than to the open project (the runtime install): same
   * events as `jobs`, but opening or closing a project does not cancel them.
   */
  studioJobs: JobRunner;
  /** The open project's training runs. */
  training: TrainingService;
  /** Models, predictions, auto-label and its suggestions. */
  inference: InferenceService;
  /** Folders outside the project opened for a model preview. */
  externalImages: ExternalImages;
  /** The team server account and project sync (src-main/services/team). */
  team: TeamServices;
  /** S3 backup and restore (src-main/services/backup). */
  backup: BackupServices;
}

const RECENTS_KEY = 'recentProjects';
const MAX_RECENTS = 20;
/** Labeling edits refresh the grid's lists and counts at most this often. */
const EDIT_REFRESH_MS = 300;

export function createStudioServices(deps: StudioServicesDeps): StudioServices {
  const { session, jobs, settings } = deps;

  const remember = (info: { dir: string; name: string; task: RecentProject['task'] }) => {
    const recents = (settings.get<RecentProject[]>(RECENTS_KEY) ?? []).filter((r) => r.dir !== info.dir);
    recents.unshift({ dir: info.dir, name: info.name, task: info.task, openedAt: new Date().toISOString() });
    settings.set(RECENTS_KEY, recents.slice(0, MAX_RECENTS));
  };

  const changed = () => deps.emit().projects.onChanged(session.project?.info ?? null);
  const imagesEdited = throttle(() => deps.emit().images.onChanged({ reason: 'edit' }), EDIT_REFRESH_MS);
  const classesChanged = () => {
    deps.emit().classes.onChanged(session.require().store.classes.list());
    deps.emit().images.onChanged({ reason: 'edit' });
  };

  return {
    app: {
      info: () => ({ ...deps.app, platform: process.platform }),
      recentProjects: () => (settings.get<RecentProject[]>(RECENTS_KEY) ?? []).filter((r) => fs.existsSync(path.join(r.dir, 'project.db'))),
      pickDirectory: async ({ title }) => {
        if (!deps.pickDirectory) throw new StudioError('unsupported', 'This host has no folder picker: type the folder path instead.');
        return deps.pickDirectory(title);
      },
    },
    projects: {
      create: async ({ dir, name, task, multiLabel }) => {
        await jobs.cancelAll();
        await deps.training.detach();
        const project = session.create(dir, { name, task, multiLabel });
        deps.training.attach();
        remember(project.info);
        changed();
        return project.info;
      },
      open: async ({ dir }) => {
        await jobs.cancelAll();
        await deps.training.detach();
        const project = session.open(dir);
        deps.training.attach();
        remember(project.info);
        changed();
        return project.info;
      },
      close: async () => {
        await jobs.cancelAll();
        await deps.training.detach();
        session.close();
        changed();
      },
      current: () => session.project?.info ?? null,
    },
    images: {
      list: ({ filter, offset, limit }) => session.require().store.images.list(filter, offset, limit),
      get: ({ id }) => session.require().store.images.get(id),
      counts: () => session.require().store.images.counts(),
      setStatus: ({ ids, status }) => {
        const updated = session.require().store.images.setStatus(ids, status);
        deps.emit().images.onChanged({ reason: 'edit' });
        return { updated };
      },
      next: ({ afterId, direction, filter }) => session.require().store.images.next(afterId, direction, filter),
    },
    classes: {
      list: () => session.require().store.classes.list(),
      create: ({ name, color }) => {
        const created = session.require().store.classes.create(name, color);
        deps.emit().classes.onChanged(session.require().store.classes.list());
        return created;
      },
      update: ({ id, name, color }) => {
        const updated = session.require().store.classes.update(id, { name, color });
        deps.emit().classes.onChanged(session.require().store.classes.list());
        return updated;
      },
      reorder: ({ ids }) => {
        const list = session.require().store.classes.reorder(ids);
        deps.emit().classes.onChanged(list);
        return list;
      },
      impact: ({ id }) => session.require().store.classes.impact(id),
      delete: ({ id }) => {
        const impact = session.require().store.classes.delete(id);
        classesChanged();
        return impact;
      },
      merge: ({ sourceId, targetId }) => {
        const impact = session.require().store.classes.merge(sourceId, targetId);
        classesChanged();
        return impact;
      },
    },
    annotations: {
      forImage: ({ imageId }) => {
        const { store } = session.require();
        store.images.get(imageId);
        return store.annotations.forImage(imageId);
      },
      apply: ({ imageId, changes }) => {
        const result = session.require().editor.apply(imageId, changes);
        deps.emit().annotations.onChanged({ imageId });
        imagesEdited();
        return result;
      },
    },
    stats: {
      dataset: () => datasetStats(session.require().store),
      health: () => {
        const { store, media } = session.require();
        return datasetHealth(store, media);
      },
    },
    splits: {
      get: () => splitSummary(session.require().store),
      apply: ({ ratios, seed }) => {
        const summary = applySplits(session.require().store, { ratios, seed });
        deps.emit().images.onChanged({ reason: 'edit' });
        return summary;
      },
      pin: ({ ids, split }) => {
        const summary = pinSplits(session.require().store, ids, split);
        deps.emit().images.onChanged({ reason: 'edit' });
        return summary;
      },
    },
    imports: {
      start: ({ paths, format, uploadId }) => {
        const project = session.require();
        const staging = uploadId ? path.join(project.store.paths.staging, uploadId) : null;
        const sources = staging ? paths.map((p) => insideStaging(staging, p)) : paths.map((p) => path.resolve(p));
        const display = staging ? (p: string) => path.relative(staging, p) : undefined;
        let lastRefresh = 0;
        const { jobId } = jobs.start('import', async (job) => {
          try {
            job.progress({ phase: 'scanning', done: 0, total: 0 });
            const plan = await planImport(sources, format, project.info.task, job.signal);
            if (staging && display) {
              // An uploaded dataset may name absolute paths (COCO file_name, YOLO image lists):
              // only files that came with the upload are imported, never others on the server.
              const outside = plan.images.filter((i) => !isInside(staging, i.path));
              plan.images = plan.images.filter((i) => isInside(staging, i.path));
              plan.failures = [
                ...plan.failures.map((f) => ({ ...f, path: path.isAbsolute(f.path) && isInside(staging, f.path) ? display(f.path) : f.path })),
                ...outside.map((i) => ({ path: i.path, reason: 'outside the uploaded files; upload the image with its dataset' })),
              ];
            }
            const report = await runImport(project.store, project.media, plan, {
              signal: job.signal,
              displayPath: display,
              onProgress: (p) => {
                job.progress({ phase: 'working', ...p });
                // Let the grid fill in as images arrive, at most once a second.
                if (p.imported > 0 && Date.now() - lastRefresh > 1000) {
                  lastRefresh = Date.now();
                  deps.emit().images.onChanged({ reason: 'import' });
                }
              },
            });
            if (report.classesCreated.length > 0) deps.emit().classes.onChanged(project.store.classes.list());
            deps.emit().images.onChanged({ reason: 'import' });
            return report;
          } finally {
            if (staging) await fs.promises.rm(staging, { recursive: true, force: true });
          }
        });
        return { jobId };
      },
    },
    exports: {
      start: (request) => {
        const project = session.require();
        const { jobId } = jobs.start('export', (job) =>
          exportDataset(project.store, project.media, request, {
            signal: job.signal,
            onProgress: (done, total) => job.progress({ phase: 'working', done, total }),
          }),
        );
        return { jobId };
      },
    },
    runtime: {
      check: ({ python }) => deps.runtime.check(python),
      configure: ({ python }) => deps.runtime.configure(python),
      install: (request) => {
        const { jobId } = deps.studioJobs.start('runtime', (job) => deps.runtime.install(request, job));
        return { jobId };
      },
    },
    training: {
      start: (spec) => deps.training.current().start(spec),
      stop: ({ runId }) => deps.training.current().stop(runId),
      resume: ({ runId }) => deps.training.current().resume(runId),
      list: () => deps.training.current().list(),
      get: ({ runId }) => deps.training.current().get(runId),
      exportModel: (request) => deps.training.current().exportModel(request),
    },
    inference: {
      loadModel: (source) => deps.inference.loadModel(source),
      predict: (request) => deps.inference.predict(request),
      autolabel: (request) => deps.inference.autolabel(request),
      openFolder: ({ dir }) => deps.externalImages.open(dir),
    },
    suggestions: {
      forImage: ({ imageId }) => deps.inference.forImage(imageId),
      accept: ({ ids }) => {
        const result = deps.inference.accept(ids);
        if (result.accepted.length) imagesEdited();
        return result;
      },
      acceptAbove: ({ imageId, minConfidence }) => {
        const result = deps.inference.acceptAbove(imageId, minConfidence);
        if (result.accepted.length) imagesEdited();
        return result;
      },
      reject: ({ ids }) => deps.inference.reject(ids),
      reviewQueue: ({ limit, offset }) => deps.inference.reviewQueue(limit, offset),
    },
    jobs: {
      list: () => [...jobs.list(), ...deps.studioJobs.list()],
      cancel: ({ jobId }) => ({ cancelled: jobs.cancel(jobId) || deps.studioJobs.cancel(jobId) }),
    },
    ...deps.team,
    ...deps.backup,
  };
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, path.resolve(candidate));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Resolves a path the browser named inside its upload's staging folder, and nowhere else. */
function insideStaging(staging: string, relative: string): string {
  const resolved = path.resolve(staging, relative.replace(/^[/\\]+/, ''));
  if (!isInside(staging, resolved)) throw new StudioError('forbidden', `${relative} is outside the upload.`);
  return resolved;
}
