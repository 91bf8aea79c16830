/**
 * The Ultralytics YOLO detection layout:
 *
 *   data.yaml                train/val/test folders, nc, names
 *   images/{train,val,test}/ the images
 *   labels/{train,val,test}/ one `cls cx cy w h` line a box, normalized; empty for "nothing here"
 *
 * `yolo train data=<outDir>/data.yaml` trains on it as written.
 */
import { SPLITS, type Split } from '@shared';
import { clampBox, stemOf, type ExportLayout, type ExportOp, type LayoutInput } from './layout.js';

/** Lays out a YOLO detection dataset. */
export function yoloLayout({ items, classes }: LayoutInput, exportedAt: Date = new Date()): ExportLayout {
  const classIndex = new Map(classes.map((c, i) => [c.id, i]));
  const ops: ExportOp[] = [];
  const counts: Record<Split, number> = { train: 0, val: 0, test: 0 };
  let annotations = 0;

  for (const item of items) {
    counts[item.split]++;
    const { width, height } = item.image;
    const lines: string[] = [];
    for (const box of item.boxes) {
      const index = classIndex.get(box.classId);
      const b = clampBox(box, width, height);
      if (index === undefined || !b) continue;
      const values = [(b.x0 + b.x1) / 2 / width, (b.y0 + b.y1) / 2 / height, (b.x1 - b.x0) / width, (b.y1 - b.y0) / height];
      // A box under a millionth of the image would be written as size 0.
      if (values[2] < 5e-7 || values[3] < 5e-7) continue;
      lines.push(`${index} ${values.map((v) => v.toFixed(6)).join(' ')}`);
      annotations++;
    }
    ops.push({ kind: 'copy', from: item.source, to: `images/${item.split}/${item.fileName}` });
    ops.push({ kind: 'text', to: `labels/${item.split}/${stemOf(item.fileName)}.txt`, content: lines.length ? `${lines.join('\n')}\n` : '' });
  }

  const yaml = dataYaml(counts, classes.map((c) => c.name), exportedAt);
  return { ops, finalOps: [{ kind: 'text', to: 'data.yaml', content: yaml, durable: true }], annotations };
}

/**
 * data.yaml with no `path` key: Ultralytics then reads the folders relative to the YAML's own
 * folder, so the dataset can be moved. (A relative `path` would be looked for in its
 * DATASETS_DIR instead.) Ultralytics needs `train` and `val`; when a split has no images the key
 * points at another split's folder, and a comment says so.
 */
function dataYaml(counts: Record<Split, number>, names: readonly string[], exportedAt: Date): string {
  const has = (s: Split) => counts[s] > 0;
  const folder = (s: Split) => `images/${s}`;
  const lines = [
    `# Exported by Reticle Studio on ${exportedAt.toISOString()}.`,
    `# Images: ${SPLITS.map((s) => `${s} ${counts[s]}`).join(', ')}.`,
    '# No "path" key on purpose: Ultralytics reads the folders below relative to this file.',
  ];
  const train = has('train') ? 'train' : has('val') ? 'val' : 'test';
  if (train !== 'train') lines.push(`# No image is in the train split: train uses the ${train} images.`);
  lines.push(`train: ${folder(train)}`);
  if (has('val')) {
    lines.push(`val: ${folder('val')}`);
  } else {
    lines.push(`# No image is in the val split: val points at the ${train} images so that Ultralytics can train;`);
    lines.push('# its validation scores then measure images the model trained on.');
    lines.push(`val: ${folder(train)}`);
  }
  if (has('test')) lines.push(`test: ${folder('test')}`);
  lines.push(`nc: ${names.length}`);
  lines.push(names.length ? 'names:' : 'names: {}');
  names.forEach((name, i) => lines.push(`  ${i}: ${yamlString(name)}`));
  return `${lines.join('\n')}\n`;
}

/**
 * A double-quoted YAML scalar. JSON's escapes are YAML's too; quoting every name keeps
 * PyYAML from reading `yes`, `null` or `1e3` as something other than a name.
 */
function yamlString(s: string): string {
  return JSON.stringify(s).replace(/[\u0080-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
