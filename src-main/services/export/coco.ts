/**
 * The COCO detection layout:
 *
 *   images/                          every image
 *   annotations/instances_<split>.json one file a split that has images
 *
 * Boxes are `[x, y, width, height]` in pixels of the image as displayed; category ids are 1..N
 * in the project's class order.
 */
import { SPLITS, type Split } from '@shared';
import { clampBox, type ExportItem, type ExportLayout, type ExportOp, type LayoutInput } from './layout.js';

interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
}

interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0;
  segmentation: [];
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** Lays out a COCO detection dataset; image and annotation ids are unique across all its files. */
export function cocoLayout({ items, classes }: LayoutInput, exportedAt: Date = new Date()): ExportLayout {
  const categoryId = new Map(classes.map((c, i) => [c.id, i + 1]));
  const categories = classes.map((c, i) => ({ id: i + 1, name: c.name, supercategory: '' }));
  const ops: ExportOp[] = [];
  const bySplit = new Map<Split, { images: CocoImage[]; annotations: CocoAnnotation[] }>();
  let imageId = 0;
  let annotationId = 0;

  items.forEach((item: ExportItem) => {
    const { width, height } = item.image;
    const id = ++imageId;
    ops.push({ kind: 'copy', from: item.source, to: `images/${item.fileName}` });
    let part = bySplit.get(item.split);
    if (!part) bySplit.set(item.split, (part = { images: [], annotations: [] }));
    part.images.push({ id, file_name: item.fileName, width, height });
    for (const box of item.boxes) {
      const category = categoryId.get(box.classId);
      const b = clampBox(box, width, height);
      if (category === undefined || !b) continue;
      const bbox: [number, number, number, number] = [round2(b.x0), round2(b.y0), round2(b.x1 - b.x0), round2(b.y1 - b.y0)];
      if (bbox[2] <= 0 || bbox[3] <= 0) continue;
      part.annotations.push({ id: ++annotationId, image_id: id, category_id: category, bbox, area: round2(bbox[2] * bbox[3]), iscrowd: 0, segmentation: [] });
    }
  });

  const finalOps: ExportOp[] = [];
  for (const split of SPLITS) {
    const part = bySplit.get(split);
    if (!part) continue;
    const json = {
      info: { description: `Exported by Reticle Studio (${split})`, version: '1.0', year: exportedAt.getUTCFullYear(), date_created: exportedAt.toISOString() },
      licenses: [],
      images: part.images,
      annotations: part.annotations,
      categories,
    };
    finalOps.push({ kind: 'text', to: `annotations/instances_${split}.json`, content: JSON.stringify(json), durable: true });
  }
  return { ops, finalOps, annotations: annotationId };
}
