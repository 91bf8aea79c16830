/**
 * A project is a self-contained folder:
 *
 *   project.db   SQLite (WAL): classes, images, annotations, splits, settings
 *   media/       imported images, content-addressed (`ab/abcdef….jpg`), never modified
 *   thumbs/      256 px JPEG thumbnails, named by the same hash
 *   runs/        training runs (added by the training issue)
 *   cache/       renditions that can be rebuilt at any time
 *   .staging/    files uploaded by a browser, removed once imported
 *   .processes/  one small file per process that has the project open (project-holders.ts)
 */
import fs from 'node:fs';
import path from 'node:path';
import { StudioError, type ProjectInfo, type TaskType } from '@shared';
import { changeCounterReader, openDatabase, schemaVersion, writeTransaction, type ChangeCounters, type Db } from './database.js';
import { PROJECT_DB, projectPaths, removeInterruptedWrites, type ProjectPaths } from './project-folder.js';
import { ClassRepository } from './class-repository.js';
import { ImageRepository } from './image-repository.js';
import { AnnotationRepository } from './annotation-repository.js';
import { RunRepository } from './run-repository.js';
import { SuggestionRepository } from './suggestion-repository.js';
import { SyncRepository } from './sync-repository.js';
import { EvaluationRepository } from './evaluation-repository.js';
import { DatasetQueries } from './dataset-queries.js';
import { announceHolder } from './project-holders.js';
import { ChangeFeed } from './change-feed.js';

export interface CreateProjectOptions {
  name: string;
  task: TaskType;
  multiLabel?: boolean;
}

export class ProjectStore {
  readonly paths: ProjectPaths;
  /** The connection. Services use the repositories and methods here; only tests reach in. */
  readonly db: Db;
  readonly classes: ClassRepository;
  readonly images: ImageRepository;
  readonly annotations: AnnotationRepository;
  /** Training runs, their epochs and artifacts. */
  readonly runs: RunRepository;
  /** Model suggestions, kept apart from the annotations. */
  readonly suggestions: SuggestionRepository;
  /** The link to a shared project and what was synced with it. */
  readonly sync: SyncRepository;
  /** The aggregate reads behind the dataset statistics, health report and split editor. */
  readonly datasetQueries: DatasetQueries;
  /** Runs' evaluations, their findings and which findings were ignored. */
  readonly evaluations: EvaluationRepository;
  private closed = false;
  private readonly leave: () => void;
  private feed: ChangeFeed | null = null;
  private readonly counters: () => ChangeCounters;

  private constructor(paths: ProjectPaths, db: Db) {
    this.paths = paths;
    this.db = db;
    this.leave = announceHolder(paths.root);
    this.classes = new ClassRepository(db);
    this.images = new ImageRepository(db);
    this.annotations = new AnnotationRepository(db);
    this.runs = new RunRepository(db, paths.root);
    this.suggestions = new SuggestionRepository(db);
    this.sync = new SyncRepository(db);
    this.datasetQueries = new DatasetQueries(db);
    this.evaluations = new EvaluationRepository(db);
    this.counters = changeCounterReader(db);
  }

  /** Makes a new project in `dir`, which must be missing or empty. */
  static create(dir: string, options: CreateProjectOptions): ProjectStore {
    const paths = projectPaths(dir);
    if (fs.existsSync(paths.db)) {
      throw new StudioError('already_exists', `${paths.root} already holds a project. Open it instead.`);
    }
    if (fs.existsSync(paths.root)) {
      if (!fs.statSync(paths.root).isDirectory()) throw new StudioError('invalid_input', `${paths.root} is a file, not a folder.`);
      const entries = fs.readdirSync(paths.root).filter((e) => !e.startsWith('.'));
      if (entries.length > 0) {
        throw new StudioError('invalid_input', `${paths.root} is not empty. Choose an empty folder, or a new one, for the project.`);
      }
    }
    if (options.multiLabel && options.task !== 'classify') {
      throw new StudioError('invalid_input', 'Only classification projects can be multi-label.');
    }
    fs.mkdirSync(paths.root, { recursive: true });
    const db = openDatabase(paths.db, { check: false });
    db.prepare('INSERT INTO project (id, name, task, multi_label, created_at) VALUES (1, ?, ?, ?, ?)').run(
      options.name,
      options.task,
      options.multiLabel ? 1 : 0,
      new Date().toISOString(),
    );
    const store = new ProjectStore(paths, db);
    store.ensureFolders();
    return store;
  }

  /** Opens an existing project folder (or the `project.db` inside it). */
  static open(dir: string): ProjectStore {
    const target = path.basename(dir) === PROJECT_DB ? path.dirname(dir) : dir;
    const paths = projectPaths(target);
    if (!fs.existsSync(paths.db)) {
      throw new StudioError('not_found', `${paths.root} is not a Reticle project (it has no ${PROJECT_DB}).`);
    }
    // SQLite removes the WAL file when the last connection closes: one found here was left by a
    // studio that was killed or crashed (or one that has the project open right now).
    const leftByAnotherProcess = fs.existsSync(`${paths.db}-wal`);
    const db = openDatabase(paths.db);
    const row = db.prepare('SELECT 1 FROM project WHERE id = 1').get();
    if (!row) {
      db.close();
      throw new StudioError('io', `${paths.db} has no project record; it was not made by Reticle Studio or is damaged.`);
    }
    const store = new ProjectStore(paths, db);
    store.ensureFolders();
    // A studio killed mid-import leaves temporary files beside the media; nothing refers to them.
    // Looked for only then: the sweep reads every media folder, a few hundred ms at 100,000 images.
    if (leftByAnotherProcess) removeInterruptedWrites(paths);
    return store;
  }

  info(): ProjectInfo {
    const row = this.db.prepare('SELECT name, task, multi_label, created_at FROM project WHERE id = 1').get() as {
      name: string;
      task: TaskType;
      multi_label: number;
      created_at: string;
    };
    return {
      dir: this.paths.root,
      name: row.name,
      task: row.task,
      multiLabel: row.multi_label === 1,
      createdAt: row.created_at,
      schemaVersion: schemaVersion(this.db),
    };
  }

  getSetting<T>(key: string): T | undefined {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  setSetting(key: string, value: unknown): void {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value));
  }

  /**
   * What other processes change in this project from now on (made on first use: until a watcher
   * asks, this connection does not track its own writes).
   */
  changeFeed(): ChangeFeed {
    this.feed ??= new ChangeFeed(this.db, this.counters);
    return this.feed;
  }

  /**
   * Wraps `fn` in one IMMEDIATE write transaction on this project (see writeTransaction in
   * database.ts): what a service writes through several repositories is stored whole or not at all.
   */
  writeTransaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return writeTransaction(this.db, fn);
  }

  /** Where the database stands now: compare two readings to learn whether anything was written between. */
  changeCounters(): ChangeCounters {
    return this.counters();
  }

  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  /** `PRAGMA quick_check`: 'ok', or what is damaged. */
  quickCheck(): string {
    return String(this.db.pragma('quick_check', { simple: true }));
  }

  /** Copies the database into `file` with SQLite's online backup, while this connection keeps working. */
  async backupTo(file: string): Promise<void> {
    await this.db.backup(file);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.leave();
    // Closing the last connection checkpoints the WAL; forcing it here could wait on a writer.
    this.db.close();
  }

  private ensureFolders(): void {
    for (const dir of [this.paths.media, this.paths.thumbs, this.paths.runs, this.paths.cache]) {
      fs.mkdirSync(dir, { recursive: true });
    }
  }
}
