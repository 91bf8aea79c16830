/**
 * The open project as the UI shows it: what the host can do, recent projects, the project's
 * info, classes, image counts and the grid's filter. Actions throw `StudioError`s; the form that
 * called them shows the message.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AppInfo, ClassDef, ClassImpact, ImageCounts, ImageFilter, ProjectCreateRequest, ProjectInfo, RecentProject, StudioApi } from '@shared';
import type { GridState } from './grid-store.js';

export interface ProjectState {
  appInfo: AppInfo | null;
  recent: RecentProject[];
  project: ProjectInfo | null;
  /** False until the host said which project, if any, is open. */
  ready: boolean;
  classes: ClassDef[];
  counts: ImageCounts | null;
  filter: ImageFilter;
  /** A refresh nobody waited on failed: shown in a banner until dismissed. */
  backgroundError: string | null;

  /** Host info, the open project and recent projects, as the page loads or reconnects. */
  boot(): Promise<void>;
  loadRecent(): Promise<void>;
  create(request: ProjectCreateRequest): Promise<void>;
  open(dir: string): Promise<void>;
  close(): Promise<void>;
  /** The host says the open project is now `info` (null: none). */
  projectChanged(info: ProjectInfo | null): void;
  refreshClasses(): Promise<void>;
  setClasses(classes: ClassDef[]): void;
  refreshCounts(): Promise<void>;
  addClass(name: string, color?: string): Promise<ClassDef>;
  updateClass(update: { id: number; name?: string; color?: string }): Promise<ClassDef>;
  /** Moves a class one place up (-1) or down (+1), or to an index. */
  moveClass(id: number, toIndex: number): Promise<void>;
  /** What deleting or merging the class would touch. */
  classImpact(id: number): Promise<ClassImpact>;
  deleteClass(id: number): Promise<ClassImpact>;
  mergeClasses(sourceId: number, targetId: number): Promise<ClassImpact>;
  setFilter(filter: ImageFilter): void;
  /** A native folder picker where the host has one; null when cancelled. */
  pickDirectory(title: string): Promise<string | null>;
  reportBackgroundError(err: unknown): void;
  dismissBackgroundError(): void;
}

interface ProjectStoreDeps {
  api: StudioApi;
  grid: StoreApi<GridState>;
  /** Another project (or none) is now open: views of the old one must go. */
  onSwitched(): void;
  /**
   * The class list changed; `structural` when a class went away (deleted or merged), so
   * annotations changed class or vanished behind the labeler's back.
   */
  onClassesChanged?(classes: readonly ClassDef[], structural: boolean): void;
  /** Annotations moved between classes or went away: counts and the grid are stale. */
  onImagesChanged?(): void;
  /** Before this window opens, creates or closes a project: lets unsaved edits land first. */
  beforeSwitch?(): Promise<void>;
}

export function createProjectStore({ api, grid, onSwitched, onClassesChanged, onImagesChanged, beforeSwitch }: ProjectStoreDeps): StoreApi<ProjectState> {
  const store = createStore<ProjectState>()((set, get) => ({
    appInfo: null,
    recent: [],
    project: null,
    ready: false,
    classes: [],
    counts: null,
    filter: { kind: 'all' },
    backgroundError: null,

    async boot() {
      const [appInfo, project] = await Promise.all([api.app.info(), api.projects.current()]);
      const unchanged = get().ready && get().project?.dir === project?.dir;
      set({ appInfo });
      get().projectChanged(project);
      set({ ready: true });
      // A switch refreshes by itself; the same project after a reconnect may have missed events.
      if (unchanged && project) {
        await Promise.all([get().refreshClasses(), get().refreshCounts()]);
        grid.getState().refresh();
      } else if (unchanged) {
        await get().loadRecent();
      }
    },

    async loadRecent() {
      set({ recent: await api.app.recentProjects() });
    },

    async create(request) {
      await beforeSwitch?.();
      const info = await api.projects.create(request);
      get().projectChanged(info);
    },

    async open(dir) {
      await beforeSwitch?.();
      const info = await api.projects.open({ dir });
      get().projectChanged(info);
    },

    async close() {
      await beforeSwitch?.();
      await api.projects.close();
      get().projectChanged(null);
      await get().loadRecent();
    },

    projectChanged(info) {
      const before = get().project;
      const same = before !== null && info !== null && before.dir === info.dir;
      if (same) {
        set({ project: info });
        return;
      }
      set({ project: info, classes: [], counts: null, filter: { kind: 'all' } });
      grid.getState().reset();
      onSwitched();
      if (info) {
        grid.getState().refresh();
        void get().refreshClasses().catch(get().reportBackgroundError);
        void get().refreshCounts().catch(get().reportBackgroundError);
      } else {
        void get().loadRecent().catch(get().reportBackgroundError);
      }
    },

    async refreshClasses() {
      if (!get().project) return;
      get().setClasses(await api.classes.list());
    },

    setClasses(classes) {
      const before = get().classes;
      const next = [...classes].sort((a, b) => a.order - b.order || a.id - b.id);
      const ids = new Set(next.map((c) => c.id));
      const structural = before.some((c) => !ids.has(c.id));
      set({ classes: next });
      onClassesChanged?.(next, structural);
    },

    async refreshCounts() {
      if (!get().project) return;
      set({ counts: await api.images.counts() });
    },

    async addClass(name, color) {
      const created = await api.classes.create(color ? { name, color } : { name });
      if (!get().classes.some((c) => c.id === created.id)) get().setClasses([...get().classes, created]);
      return created;
    },

    async updateClass(update) {
      const updated = await api.classes.update(update);
      get().setClasses(get().classes.map((c) => (c.id === updated.id ? updated : c)));
      return updated;
    },

    async moveClass(id, toIndex) {
      const ids = get().classes.map((c) => c.id);
      const from = ids.indexOf(id);
      const to = Math.max(0, Math.min(ids.length - 1, toIndex));
      if (from < 0 || from === to) return;
      ids.splice(from, 1);
      ids.splice(to, 0, id);
      // Show the new order at once; the studio's answer (or its refusal) settles it.
      const byId = new Map(get().classes.map((c) => [c.id, c]));
      set({ classes: ids.map((cid, order) => ({ ...byId.get(cid)!, order })) });
      try {
        get().setClasses(await api.classes.reorder({ ids }));
      } catch (err) {
        await get().refreshClasses().catch(() => undefined);
        throw err;
      }
    },

    classImpact(id) {
      return api.classes.impact({ id });
    },

    async deleteClass(id) {
      const impact = await api.classes.delete({ id });
      get().setClasses(get().classes.filter((c) => c.id !== id));
      if (get().filter.kind === 'class' && (get().filter as { classId: number }).classId === id) get().setFilter({ kind: 'all' });
      onImagesChanged?.();
      return impact;
    },

    async mergeClasses(sourceId, targetId) {
      const impact = await api.classes.merge({ sourceId, targetId });
      get().setClasses(get().classes.filter((c) => c.id !== sourceId));
      if (get().filter.kind === 'class' && (get().filter as { classId: number }).classId === sourceId) get().setFilter({ kind: 'class', classId: targetId });
      onImagesChanged?.();
      return impact;
    },

    setFilter(filter) {
      set({ filter });
      grid.getState().setFilter(filter);
    },

    async pickDirectory(title) {
      return api.app.pickDirectory({ title });
    },

    reportBackgroundError(err) {
      console.error('Reticle: a background refresh failed', err);
      set({ backgroundError: err instanceof Error ? err.message : String(err) });
    },

    dismissBackgroundError() {
      set({ backgroundError: null });
    },
  }));
  return store;
}
