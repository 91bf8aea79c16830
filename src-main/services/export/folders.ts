/**
 * The Ultralytics classification layout, `<split>/<class>/<image>` (torchvision's ImageFolder):
 * `yolo classify train data=<outDir>` trains on it as written. An image tagged with several
 * classes (multi-label) is copied into each of their folders.
 */
import { SPLITS, type Split } from '@shared';
import { classFolderNames, type ExportLayout, type ExportOp, type LayoutInput } from './layout.js';

/**
 * Lays out a classification dataset. Every split that has images gets a folder for every class,
 * empty ones included: ImageFolder numbers classes by the folders it finds, so a split missing
 * one would number the others differently. When neither val nor test has an image, the train
 * images are copied into val too, since Ultralytics cannot train without a validation folder.
 */
export function foldersLayout({ items, classes }: LayoutInput): ExportLayout {
  const folderOf = classFolderNames(classes);
  const used = new Set<Split>(items.map((i) => i.split));
  const valFallback = !used.has('val') && !used.has('test') && used.has('train');
  const splits = SPLITS.filter((s) => used.has(s) || (s === 'val' && valFallback));

  const ops: ExportOp[] = [];
  for (const split of splits) for (const c of classes) ops.push({ kind: 'dir', to: `${split}/${folderOf.get(c.id)}` });

  let annotations = 0;
  for (const item of items) {
    const targets: Split[] = valFallback && item.split === 'train' ? ['train', 'val'] : [item.split];
    for (const classId of new Set(item.tagClassIds)) {
      const folder = folderOf.get(classId);
      if (folder === undefined) continue;
      annotations++;
      for (const split of targets) ops.push({ kind: 'copy', from: item.source, to: `${split}/${folder}/${item.fileName}` });
    }
  }
  return { ops, finalOps: [], annotations };
}
