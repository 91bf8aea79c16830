/**
 * The Backup tab's state: the target form (saved in the studio's settings, without the secret),
 * the secret access key (in memory while the tab lives, sent with each call, never saved), and
 * the snapshots in the bucket. Backups and restores are jobs: their progress, cancel and
 * reports live in the studio's jobs store, like every other job.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BackupSnapshotInfo, BackupTarget, BackupTargetRequest, BackupTargetState, StudioApi } from '@shared';

type BackupApi = {
  backup: StudioApi['backup'];
};

/** The form as typed: text fields, the path-style switch. */
export interface TargetForm {
  endpoint: string;
  region: string;
  bucket: string;
  prefix: string;
  accessKeyId: string;
  forcePathStyle: boolean;
}

export interface BackupState {
  form: TargetForm;
  /** Typed in this tab only; never saved anywhere. */
  secret: string;
  /** The target as saved, or null. */
  saved: BackupTarget | null;
  /** The open project's folder in the bucket. */
  project: string | null;
  /** The studio found AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in its environment. */
  environmentCredentials: boolean;
  /** Snapshots under the prefix, every project's; null until listed. */
  snapshots: BackupSnapshotInfo[] | null;
  loading: boolean;

  /** The saved target and the project's folder; fills the form. */
  load(): Promise<void>;
  setField<K extends keyof TargetForm>(name: K, value: TargetForm[K]): void;
  setSecret(secret: string): void;
  /** Saves the form as the target. */
  saveTarget(): Promise<void>;
  /** Saves the form, then starts a backup of the open project; the job's id. */
  backUp(): Promise<string>;
  /** Lists the snapshots in the bucket (saving the form first, so the list is of what it says). */
  listSnapshots(): Promise<void>;
  /** Restores a snapshot into a new folder; the job's id. */
  restore(snapshot: BackupSnapshotInfo, dir: string): Promise<string>;
}

const EMPTY_FORM: TargetForm = { endpoint: '', region: 'us-east-1', bucket: '', prefix: '', accessKeyId: '', forcePathStyle: false };

function formOf(target: BackupTarget | null): TargetForm {
  if (!target) return EMPTY_FORM;
  return {
    endpoint: target.endpoint ?? '',
    region: target.region,
    bucket: target.bucket,
    prefix: target.prefix,
    accessKeyId: target.accessKeyId ?? '',
    forcePathStyle: target.forcePathStyle,
  };
}

/** The request for a form: empty fields left out, so the studio's defaults and checks apply. */
export function targetRequest(form: TargetForm): BackupTargetRequest {
  return {
    endpoint: form.endpoint.trim() || undefined,
    region: form.region.trim() || undefined,
    bucket: form.bucket.trim(),
    prefix: form.prefix.trim(),
    accessKeyId: form.accessKeyId.trim() || undefined,
    forcePathStyle: form.forcePathStyle,
  };
}

export function createBackupStore(api: BackupApi): StoreApi<BackupState> {
  return createStore<BackupState>()((set, get) => {
    const adopt = (state: BackupTargetState) => set({ saved: state.target, project: state.project, environmentCredentials: state.environmentCredentials });
    const secret = () => get().secret || undefined;
    const save = async () => {
      const state = await api.backup.setTarget({ target: targetRequest(get().form) });
      adopt(state);
      // What the studio kept (trimmed, defaults filled in) is what the form shows.
      set({ form: formOf(state.target) });
    };

    return {
      form: EMPTY_FORM,
      secret: '',
      saved: null,
      project: null,
      environmentCredentials: false,
      snapshots: null,
      loading: false,

      async load() {
        const state = await api.backup.target();
        adopt(state);
        set({ form: formOf(state.target) });
      },

      setField(name, value) {
        set({ form: { ...get().form, [name]: value } });
      },

      setSecret(value) {
        set({ secret: value });
      },

      async saveTarget() {
        await save();
      },

      async backUp() {
        await save();
        return (await api.backup.start({ secretAccessKey: secret() })).jobId;
      },

      async listSnapshots() {
        set({ loading: true });
        try {
          await save();
          set({ snapshots: await api.backup.list({ secretAccessKey: secret() }) });
        } finally {
          set({ loading: false });
        }
      },

      async restore(snapshot, dir) {
        const trimmed = dir.trim();
        return (await api.backup.restore({ secretAccessKey: secret(), project: snapshot.project, snapshot: snapshot.snapshot, dir: trimmed })).jobId;
      },
    };
  });
}
