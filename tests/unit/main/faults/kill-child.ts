/**
 * The process the kill loop kills (see kill-loop.ts): it opens a project with the studio's own
 * services and keeps labeling and importing until it is killed. Labeling goes through the real
 * AnnotationEditor (one gesture = one `apply`), imports through the real import pipeline.
 *
 * Every step is written to a side log, one JSON line each, with a synchronous `write(2)`: the
 * step's intent BEFORE it starts, and its result AFTER it returns. A result line therefore proves
 * the commit returned; the one intent without a result at the end of the log is the step the kill
 * cut off, which must be all there or not there at all. A written line survives the process being
 * killed (the kernel holds it), so no fsync is needed: the loop kills processes, not the machine.
 *
 *   node kill-child.mjs '<ChildArgs as JSON>'
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AnnotationChange } from '@shared';
import { ProjectStore } from '../../../../src-main/services/store/project-store.js';
import { MediaStore } from '../../../../src-main/services/media/media-store.js';
import { AnnotationEditor } from '../../../../src-main/services/annotations/annotation-editor.js';
import { planImport } from '../../../../src-main/services/import/formats/plan-import.js';
import { runImport } from '../../../../src-main/services/import/pipeline.js';
import { random, type ChildArgs, type ChildLine } from './kill-protocol.js';

const args = JSON.parse(process.argv[2]) as ChildArgs;
const rand = random(args.seed);

const store = ProjectStore.open(args.dir);
const media = new MediaStore(store.paths);
const editor = new AnnotationEditor(store, store.info());
const classIds = store.classes.list().map((c) => c.id);
const log = fs.openSync(args.log, 'a');

function say(line: ChildLine): void {
  fs.writeSync(log, `${JSON.stringify(line)}\n`);
}

interface ImageRow {
  id: number;
  name: string;
  width: number;
  height: number;
}
const imageList = store.db.prepare('SELECT id, name, width, height FROM images ORDER BY id');
const imageNames = store.db.prepare('SELECT name FROM images').pluck();
// Each process edits its own boxes only: the concurrent writer those it drew, the killed ones the rest.
const manualBoxes =
  args.role === 'concurrent'
    ? store.db.prepare(`SELECT id, x, y, w, h FROM annotations WHERE image_id = ? AND source = 'manual' AND kind = 'box' AND id GLOB '${args.tag}-*' ORDER BY rowid`)
    : store.db.prepare(
        `SELECT id, x, y, w, h FROM annotations WHERE image_id = ? AND source = 'manual' AND kind = 'box'${args.otherTag ? ` AND id NOT GLOB '${args.otherTag}-*'` : ''} ORDER BY rowid`,
      );

/** The first batch some of whose images the project lacks. */
function nextBatch(): string | null {
  const have = new Set(imageNames.all() as string[]);
  return args.batches.find((b) => b.images.some((name) => !have.has(name)))?.name ?? null;
}

async function importBatch(batch: string): Promise<void> {
  const seq = step++;
  say({ t: 'import', seq, batch });
  const plan = await planImport([path.join(args.batchesDir, batch)], 'yolo', 'detect');
  const report = await runImport(store, media, plan);
  say({ t: 'imported', seq, batch, imported: report.imported, duplicates: report.duplicates, failed: report.failed.length, annotations: report.annotations });
}

const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
const eighths = (max: number) => Math.floor(rand() * (max * 8 + 1)) / 8;

/** A box inside the image, in eighths of a pixel: exact in a double, never clamped. */
function box(image: ImageRow): { x: number; y: number; w: number; h: number } {
  const w = 1 + eighths(image.width / 2 - 1);
  const h = 1 + eighths(image.height / 2 - 1);
  return { x: eighths(image.width - w), y: eighths(image.height - h), w, h };
}

let step = 0;
let created = 0;

/** One labeling gesture on a random image, as the labeler would send it. */
async function gesture(images: ImageRow[]): Promise<void> {
  const image = pick(images);
  const existing = manualBoxes.all(image.id) as { id: string; x: number; y: number; w: number; h: number }[];
  const newBox = (): AnnotationChange => ({ op: 'create', annotation: { id: `${args.tag}-${created++}`, classId: pick(classIds), kind: 'box', ...box(image) } });
  const some = (n: number) => [...existing].sort(() => rand() - 0.5).slice(0, n);
  let kind = existing.length < 2 ? pick(['draw', 'paste']) : pick(['draw', 'paste', 'move', 'move-selection', 'resize', 'delete', 'delete-selection', 'class', 'replace']);
  if (existing.length > 12 && (kind === 'draw' || kind === 'paste')) kind = 'delete-selection';
  let changes: AnnotationChange[];
  switch (kind) {
    case 'draw':
      changes = [newBox()];
      break;
    case 'paste':
      changes = Array.from({ length: 2 + Math.floor(rand() * 3) }, newBox);
      break;
    case 'move':
    case 'move-selection':
      changes = some(kind === 'move' ? 1 : 3).map((b) => ({ op: 'update', id: b.id, patch: { x: eighths(image.width - b.w), y: eighths(image.height - b.h) } }));
      break;
    case 'resize':
      changes = some(1).map((b) => ({ op: 'update', id: b.id, patch: box(image) }));
      break;
    case 'delete':
    case 'delete-selection':
      changes = some(kind === 'delete' ? 1 : 3).map((b) => ({ op: 'delete', id: b.id }));
      break;
    case 'class':
      changes = some(2).map((b) => ({ op: 'update', id: b.id, patch: { classId: pick(classIds) } }));
      break;
    default: // replace: one box deleted and two drawn, one undo step
      changes = [{ op: 'delete', id: some(1)[0].id }, newBox(), newBox()];
  }
  const seq = step++;
  say({ t: 'intent', seq, imageId: image.id, kind, changes });
  if (args.fault === 'split-gestures') {
    for (const change of changes) {
      editor.apply(image.id, [change]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } else editor.apply(image.id, changes);
  say({ t: 'commit', seq });
}

/**
 * The concurrent writer: gestures until `stop`. Told `pause`, it stops between two gestures, and
 * only once it made one since the last `resume`, so it wrote during every kill's window.
 */
async function labelAlongside(): Promise<void> {
  let pauseRequested = false;
  let paused = false;
  let stopped = false;
  let sinceResume = 0;
  let input = '';
  process.stdin.on('data', (chunk: Buffer) => {
    input += chunk.toString();
    for (let nl = input.indexOf('\n'); nl !== -1; nl = input.indexOf('\n')) {
      const command = input.slice(0, nl);
      input = input.slice(nl + 1);
      if (command === 'pause') pauseRequested = true;
      else if (command === 'resume') {
        paused = false;
        pauseRequested = false;
        sinceResume = 0;
      } else if (command === 'stop') stopped = true;
    }
  });
  process.stdout.write('ready\n');
  while (!stopped) {
    // Commands are read between two gestures: a pause never lands inside one.
    await new Promise((resolve) => setTimeout(resolve, paused ? 10 : 0));
    if (paused) continue;
    const images = imageList.all() as ImageRow[];
    if (pauseRequested && (sinceResume > 0 || images.length === 0)) {
      paused = true;
      process.stdout.write('paused\n');
      continue;
    }
    if (images.length > 0) {
      await gesture(images);
      sinceResume++;
    }
  }
  process.stdin.destroy();
  store.dispose();
}

async function main(): Promise<void> {
  if (args.role === 'concurrent') return labelAlongside();
  process.stdout.write('ready\n');
  const deadline = Date.now() + args.maxMs;
  let images = imageList.all() as ImageRow[];
  while (Date.now() < deadline) {
    const batch = nextBatch();
    if (args.finish) {
      if (!batch) break;
      await importBatch(batch);
      continue;
    }
    if (batch && (images.length === 0 || rand() < args.importShare)) {
      await importBatch(batch);
      images = imageList.all() as ImageRow[];
    } else if (images.length > 0 && rand() < 0.03) {
      // Importing a batch the project holds already must add nothing.
      await importBatch(pick(args.batches.slice(0, 1 + Math.floor(images.length / args.batches[0].images.length))).name);
    } else if (images.length > 0) {
      await gesture(images);
    } else break;
  }
  store.dispose();
}

main().catch((err: unknown) => {
  process.stderr.write(`kill-child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
