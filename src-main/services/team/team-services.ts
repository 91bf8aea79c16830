/** The contract's `account` and `sync` domains: log in to a team server, push and pull a project. */
import type { ServicesOf, StudioEmitter, teamContract } from '@shared';
import type { ProjectSession } from '../studio/project-session.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { SettingsStore } from '../settings/settings-store.js';

export type TeamServices = ServicesOf<typeof teamContract>;

export interface TeamServicesDeps {
  session: ProjectSession;
  jobs: JobRunner;
  settings: SettingsStore;
  emit: () => StudioEmitter;
}

export function createTeamServices(_deps: TeamServicesDeps): TeamServices {
  return { account: {}, sync: {} };
}
