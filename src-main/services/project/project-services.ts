/**
 * The contract's `app` and `projects` domains: what the studio is, the recent projects, and
 * opening, creating and closing the one project a studio has open. Opening or closing cancels
 * the project's jobs and stops its trainer first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StudioError, type AppInfo, type RecentProject, type StudioEmitter, type StudioServices } from '@shared';
import type { ProjectSession } from './project-session.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { SettingsStore } from '../settings/settings-store.js';
import { PROJECT_DB } from '../store/project-folder.js';

interface ProjectServicesDeps {
  session: ProjectSession;
  jobs: JobRunner;
  settings: SettingsStore;
  /** The open project's trainer: stopped before the project closes, attached once one opens. */
  training: { attach(): void; detach(): Promise<void> };
  emit: () => StudioEmitter;
  app: Omit<AppInfo, 'platform'>;
  /** A native folder picker, where the host has one. */
  pickDirectory?: (title?: string) => Promise<string | null>;
}

const RECENTS_KEY = 'recentProjects';
const MAX_RECENTS = 20;

export function createProjectServices(deps: ProjectServicesDeps): Pick<StudioServices, 'app' | 'projects'> {
  const { session, jobs, settings } = deps;

  const remember = (info: { dir: string; name: string; task: RecentProject['task'] }) => {
    const recents = (settings.get<RecentProject[]>(RECENTS_KEY) ?? []).filter((r) => r.dir !== info.dir);
    recents.unshift({ dir: info.dir, name: info.name, task: info.task, openedAt: new Date().toISOString() });
    settings.set(RECENTS_KEY, recents.slice(0, MAX_RECENTS));
  };
  const changed = () => deps.emit().projects.onChanged(session.project?.info ?? null);
  /** Ends what belongs to the open project before another is opened (or none). */
  const leave = async () => {
    await jobs.cancelAll();
    await deps.training.detach();
  };

  return {
    app: {
      info: () => ({ ...deps.app, platform: process.platform }),
      recentProjects: () => (settings.get<RecentProject[]>(RECENTS_KEY) ?? []).filter((r) => fs.existsSync(path.join(r.dir, PROJECT_DB))),
      pickDirectory: async ({ title }) => {
        if (!deps.pickDirectory) throw new StudioError('unsupported', 'This host has no folder picker: type the folder path instead.');
        return deps.pickDirectory(title);
      },
    },
    projects: {
      create: async ({ dir, name, task, multiLabel }) => {
        await leave();
        const project = session.create(dir, { name, task, multiLabel });
        deps.training.attach();
        remember(project.info);
        changed();
        return project.info;
      },
      open: async ({ dir }) => {
        await leave();
        const project = session.open(dir);
        deps.training.attach();
        remember(project.info);
        changed();
        return project.info;
      },
      close: async () => {
        await leave();
        session.close();
        changed();
      },
      current: () => session.project?.info ?? null,
    },
  };
}
