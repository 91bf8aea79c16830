/**
 * Builds the studio's services and the API host over them: the one composition used by the
 * desktop app (src-main/main.ts), `reticle serve` and the CLI. Plain Node; no Electron here.
 */
import path from 'node:path';
import { studioContract, type AppInfo, type StudioContract, type StudioServices } from '@shared';
import { ApiHost } from './host/api-host.js';
import { JobRunner } from './services/jobs/job-runner.js';
import { ProjectSession } from './services/studio/project-session.js';
import { createStudioServices } from './services/studio/studio-services.js';
import { JsonFileSettings, studioHome, type SettingsStore } from './services/settings/settings-store.js';

export const STUDIO_VERSION = '0.1.0';

export interface StudioOptions {
  mode: AppInfo['mode'];
  settings?: SettingsStore;
  pickDirectory?: (title?: string) => Promise<string | null>;
}

export interface Studio {
  host: ApiHost<StudioContract>;
  session: ProjectSession;
  jobs: JobRunner;
  services: StudioServices;
  dispose(): Promise<void>;
}

export function createStudio(options: StudioOptions): Studio {
  const settings = options.settings ?? new JsonFileSettings(path.join(studioHome(), 'settings.json'));
  const session = new ProjectSession();
  let host: ApiHost<StudioContract> | null = null;
  const jobs = new JobRunner({
    progress: (p) => host?.emit.jobs.onProgress(p),
    finished: (r) => host?.emit.jobs.onFinished(r),
  });
  const services = createStudioServices({
    session,
    jobs,
    settings,
    emit: () => host!.emit,
    pickDirectory: options.pickDirectory,
    app: {
      version: STUDIO_VERSION,
      mode: options.mode,
      nativeDialogs: Boolean(options.pickDirectory),
      uploadsDroppedFiles: options.mode === 'serve',
    },
  });
  host = new ApiHost(studioContract, services);
  return {
    host,
    session,
    jobs,
    services,
    async dispose() {
      await jobs.cancelAll();
      session.close();
    },
  };
}
