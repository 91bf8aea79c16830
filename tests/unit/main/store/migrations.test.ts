import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../../src-main/services/store/migrations.js';
import { SCHEMA_VERSION } from '../../../../src-main/services/store/database.js';
import { ProjectStore } from '../../../../src-main/services/store/project-store.js';
import { tempDir } from '../../helpers/images.js';

/** A project as the first released schema wrote it: migration 1 only. */
function versionOneProject(): string {
  const dir = path.join(tempDir(), 'old');
  fs.mkdirSync(dir, { recursive: true });
  const db = new Database(path.join(dir, 'project.db'));
  db.pragma('journal_mode = WAL');
  db.exec(MIGRATIONS[0].sql);
  db.pragma('user_version = 1');
  db.prepare("INSERT INTO project (id, name, task, multi_label, created_at) VALUES (1, 'Old birds', 'detect', 0, '2024-05-01T00:00:00.000Z')").run();
  db.prepare("INSERT INTO classes (name, color, ord) VALUES ('crow', '#112233', 0)").run();
  db.prepare(
    `INSERT INTO images (hash, ext, format, name, original_path, width, height, bytes, status, split, split_pinned, created_at, updated_at)
     VALUES (?, '.jpg', 'jpeg', 'crow.jpg', '/photos/crow.jpg', 640, 480, 1234, 'done', 'val', 1, '2024-05-01', '2024-05-02')`,
  ).run('c'.repeat(64));
  db.prepare(
    "INSERT INTO annotations (id, image_id, class_id, kind, x, y, w, h, source, created_at, updated_at) VALUES ('a1', 1, 1, 'box', 10, 20, 30, 40, 'import', 'then', 'then')",
  ).run();
  db.prepare("INSERT INTO settings (key, value) VALUES ('split', ?)").run(JSON.stringify({ ratios: [0.6, 0.2, 0.2], seed: 5 }));
  db.close();
  return dir;
}

describe('migrations', () => {
  it('upgrades a version-1 project in place and keeps everything in it', () => {
    const dir = versionOneProject();
    const store = ProjectStore.open(dir);
    expect(store.info()).toMatchObject({ name: 'Old birds', task: 'detect', schemaVersion: SCHEMA_VERSION });
    expect(store.classes.list()).toEqual([{ id: 1, name: 'crow', color: '#112233', order: 0 }]);
    expect(store.images.get(1)).toMatchObject({ name: 'crow.jpg', width: 640, height: 480, status: 'done', split: 'val', splitPinned: true, annotationCount: 1 });
    expect(store.annotations.forImage(1)).toEqual([{ id: 'a1', imageId: 1, classId: 1, kind: 'box', x: 10, y: 20, w: 30, h: 40, source: 'import' }]);
    expect(store.getSetting('split')).toEqual({ ratios: [0.6, 0.2, 0.2], seed: 5 });
    // The new column is there, empty until the health report fills it in.
    expect(store.images.missingDhash(0, 10)).toEqual([{ id: 1, hash: 'c'.repeat(64), ext: '.jpg' }]);
    expect(store.integrityCheck()).toBe('ok');
    store.dispose();

    const again = ProjectStore.open(dir);
    expect(again.info().schemaVersion).toBe(SCHEMA_VERSION);
    again.dispose();
  });

  it('accepts only 16 hex digits as a difference hash', () => {
    const store = ProjectStore.open(versionOneProject());
    store.images.setDhashes([{ id: 1, dhash: '0123456789abcdef' }]);
    expect(store.images.missingDhash(0, 10)).toEqual([]);
    expect(() => store.images.setDhashes([{ id: 1, dhash: 'not a hash at all' }])).toThrow(/CHECK constraint/);
    expect(() => store.images.setDhashes([{ id: 1, dhash: '0123456789ABCDEF' }])).toThrow(/CHECK constraint/);
    store.dispose();
  });
});
