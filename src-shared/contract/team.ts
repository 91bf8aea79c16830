/** The team domains of the contract: the account on a team server, and project sync. */
import * as Team from '../team.js';
import { NoInput } from '../schemas.js';
import type { AccountStatus, PublishedModel, RemoteProject, SyncConflict, SyncStatus } from '../team.js';
import { event, method, returns } from './define.js';

export const teamContract = {
  account: {
    /** Who the studio is logged in as, and on which server. */
    status: method(NoInput, returns<AccountStatus>()),
    /** Logs in to a team server; the tokens go to the secret store, never to the settings. */
    login: method(Team.AccountLoginInput, returns<AccountStatus>()),
    /** Makes an account on a team server and logs in with it. */
    register: method(Team.AccountRegisterInput, returns<AccountStatus>()),
    /** Logs out (the server forgets the session where it can be reached) and forgets the tokens. */
    logout: method(NoInput, returns<AccountStatus>()),
    onChanged: event<AccountStatus>(),
  },
  sync: {
    /** The open project's link, last sync, pending changes, conflicts, and whether the server answers. */
    status: method(NoInput, returns<SyncStatus>()),
    /** Links the open project to a shared project, or makes one on the server from it. */
    link: method(Team.SyncLinkInput, returns<SyncStatus>()),
    /** Forgets the link; nothing is deleted here or on the server. */
    unlink: method(NoInput, returns<SyncStatus>()),
    /** The shared projects the account can see on its server. */
    remoteProjects: method(NoInput, returns<RemoteProject[]>()),
    /** Starts a push job (linking to a new shared project first if there is none). */
    push: method(NoInput, returns<{ jobId: string }>()),
    /** Starts a pull job. */
    pull: method(NoInput, returns<{ jobId: string }>()),
    /** Images both sides changed, with both versions summarized. */
    conflicts: method(NoInput, returns<SyncConflict[]>()),
    /** Settles a conflict: keep this copy (the next push wins) or take the server's. */
    resolve: method(Team.SyncResolveInput, returns<SyncStatus>()),
    /** Uploads a run's ONNX export (made if missing) with its metrics and classes to the model registry. */
    publishModel: method(Team.SyncPublishModelInput, returns<PublishedModel>()),
    /** The models published to the linked shared project, newest first. */
    models: method(NoInput, returns<PublishedModel[]>()),
    /** Starts a pull of a shared project into a new local project folder (not opened). */
    clone: method(Team.SyncCloneInput, returns<{ jobId: string; dir: string }>()),
    /** Turns automatic sync of the open project on or off. */
    setAutoSync: method(Team.SyncSetAutoSyncInput, returns<SyncStatus>()),
    onChanged: event<SyncStatus>(),
  },
} as const;
