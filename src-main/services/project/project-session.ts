/**
 * The project open in this studio process, with the services bound to it. One project at a time,
 * as in the desktop window; opening another closes the first after its jobs stop.
 */
import { StudioError, type ProjectInfo } from '@shared';
import { ProjectStore, type CreateProjectOptions } from '../store/project-store.js';
import { MediaStore } from '../media/media-store.js';
import { removeAbandonedUploads } from '../media/uploads.js';
import { AnnotationEditor } from '../annotations/annotation-editor.js';
import type { ExternalChanges } from '../store/change-feed.js';
import { ExternalChangeWatcher } from './external-changes.js';

export interface OpenProject {
  store: ProjectStore;
  media: MediaStore;
  /** The labeler's edits of this project's annotations. */
  editor: AnnotationEditor;
  info: ProjectInfo;
}

interface ProjectSessionOptions {
  /**
   * Called with what other processes changed in the open project (none where absent: the CLI,
   * which shows nobody a list that could go stale).
   */
  onExternalChanges?: (project: OpenProject, changes: ExternalChanges) => void;
}

export class ProjectSession {
  private current: OpenProject | null = null;
  private watcher: ExternalChangeWatcher | null = null;

  constructor(private readonly options: ProjectSessionOptions = {}) {}

  get project(): OpenProject | null {
    return this.current;
  }

  /** The open project, or a clear error when there is none. */
  require(): OpenProject {
    if (!this.current) throw new StudioError('no_project', 'No project is open. Create or open one first.');
    return this.current;
  }

  create(dir: string, options: CreateProjectOptions): OpenProject {
    return this.adopt(ProjectStore.create(dir, options));
  }

  open(dir: string): OpenProject {
    return this.adopt(ProjectStore.open(dir));
  }

  close(): void {
    this.watcher?.dispose();
    this.watcher = null;
    this.current?.store.dispose();
    this.current = null;
  }

  private adopt(store: ProjectStore): OpenProject {
    this.close();
    // Uploads that never became an import (a process killed mid-upload, a browser that left) are
    // leftovers; those of another studio still running on this project are not.
    removeAbandonedUploads(store.paths.staging);
    const info = store.info();
    const project: OpenProject = { store, media: new MediaStore(store.paths), editor: new AnnotationEditor(store, info), info };
    this.current = project;
    const listener = this.options.onExternalChanges;
    if (listener) this.watcher = new ExternalChangeWatcher(store.changeFeed(), (changes) => listener(project, changes));
    return project;
  }
}
