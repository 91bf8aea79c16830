/**
 * The contract's `imports` domain: an import is a job on the open project. A browser's upload
 * (`uploadId`) is imported from its staging folder only, never from other paths on the machine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StudioError, type StudioEmitter, type StudioServices } from '@shared';
import type { ProjectSession } from '../project/project-session.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { uploadFolder } from '../media/uploads.js';
import { runImport } from './pipeline.js';
import { isInside } from './outside-files.js';
import { planImport } from './formats/plan-import.js';

interface ImportServicesDeps {
  session: ProjectSession;
  jobs: JobRunner;
  emit: () => StudioEmitter;
}

/** The grid fills in as images arrive, at most this often. */
const GRID_REFRESH_MS = 1000;

export function createImportServices(deps: ImportServicesDeps): Pick<StudioServices, 'imports'> {
  const { session, jobs } = deps;
  return {
    imports: {
      start: ({ paths, format, uploadId, allowOutside }) => {
        const project = session.require();
        const staging = uploadId ? uploadFolder(project.store.paths.staging, uploadId) : null;
        const sources = staging ? paths.map((p) => insideStaging(staging, p)) : paths.map((p) => path.resolve(p));
        const display = staging ? (p: string) => path.relative(staging, p) : undefined;
        let lastRefresh = 0;
        const { jobId } = jobs.start('import', async (job) => {
          try {
            job.progress({ phase: 'scanning', done: 0, total: 0 });
            // An upload is checked against its staging folder below, and never reaches outside.
            const plan = await planImport(sources, format, project.info.task, job.signal, { allowOutside: staging !== null || allowOutside });
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
                if (p.imported > 0 && Date.now() - lastRefresh > GRID_REFRESH_MS) {
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
  };
}

/** Resolves a path the browser named inside its upload's staging folder, and nowhere else. */
function insideStaging(staging: string, relative: string): string {
  const resolved = path.resolve(staging, relative.replace(/^[/\\]+/, ''));
  if (!isInside(staging, resolved)) throw new StudioError('forbidden', `${relative} is outside the upload.`);
  return resolved;
}
