/**
 * What a format reader hands the import pipeline: the image files to bring in, each with the
 * labels the dataset gave it, plus what it could not read. Readers only parse; the pipeline
 * hashes, decodes, stores and writes to the database, so every format shares one path for
 * dedupe, thumbnails, bad files, progress and cancellation.
 */
import type { ImportFailure, ImportFormat, Split } from '@shared';

/**
 * A label as a dataset states it. Boxes are top-left + size; `normalized` boxes are fractions of
 * the displayed image size (YOLO), the rest are pixels (COCO). The pipeline converts and clamps
 * them once it knows the image's size.
 */
export type PlannedLabel =
  | { kind: 'box'; className: string; x: number; y: number; w: number; h: number; normalized: boolean }
  | { kind: 'tag'; className: string };

export interface PlannedImage {
  /** Absolute path of the image file to import. */
  path: string;
  /** The split the dataset put the image in, if it says. */
  split?: Split;
  labels: PlannedLabel[];
  /**
   * True when the dataset states this image's labels (a YOLO label file, even an empty one; a
   * COCO image entry; a class folder). Such images count as labeled: an empty label file means
   * "nothing here", which is a real answer.
   */
  labeled: boolean;
  /** Where a problem with a label should be reported (the label file, the JSON). */
  labelSource?: string;
}

export interface ImportPlan {
  format: Exclude<ImportFormat, 'auto'>;
  /** Class names in the dataset's own order (YOLO index order): created in this order. */
  classNames: string[];
  images: PlannedImage[];
  /** Problems found while reading the dataset (bad label lines, missing images). */
  failures: ImportFailure[];
  /** Files left alone because they are not images. */
  skipped: number;
  /**
   * The dataset's own folders (and files a person named one by one): an image that resolves
   * outside all of them (a data YAML's `path: ../..`, an absolute COCO `file_name`, a link out)
   * is imported only when the person allowed it. Every format reader sets them; a plan made in
   * code from files the studio placed itself (a team pull's downloads) has none to check.
   */
  roots?: string[];
  /** Images left out because they lie outside `roots` (each also in `failures`). */
  outside?: number;
}
