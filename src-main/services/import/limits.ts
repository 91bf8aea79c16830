/**
 * How much of a dataset one import takes, so that a broken or hostile dataset (a label file of
 * two million lines, a link to /dev/zero) ends in a report instead of gigabytes of memory. Each
 * limit is far above what real datasets hold; the README states them.
 */
const MiB = 1024 ** 2;

/**
 * Boxes one image takes from a dataset; the rest are left out and reported. Even crowded scenes
 * (store shelves, crowds) hold a few hundred; ten thousand boxes on one image is a broken export,
 * and would make the labeler crawl.
 */
export const MAX_BOXES_PER_IMAGE = 10_000;

/**
 * A COCO JSON file. COCO 2017's own `instances_train2017.json` is 448 MB and must import; V8
 * cannot hold a string much over 512 MiB, so a larger file could not be parsed anyway.
 */
export const MAX_COCO_JSON_BYTES = 500 * MiB;

/**
 * One small text file of a dataset: a YOLO label `.txt`, a data YAML, a `classes.txt`. A label
 * line is about 40 bytes, so 16 MiB holds 10,000 polygons of 100 points each, or 400,000 boxes.
 */
export const MAX_LABEL_FILE_BYTES = 16 * MiB;

/** A YOLO image list (`train.txt`): a million image paths of 60 characters fit. */
export const MAX_IMAGE_LIST_BYTES = 64 * MiB;
