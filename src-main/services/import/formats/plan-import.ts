/**
 * The front door of every import: picks the reader for what the person chose and checks that it
 * fits the project (boxes for detection, class folders for classification).
 */
import { StudioError, type ImportFormat, type TaskType } from '@shared';
import type { ImportPlan } from '../plan.js';
import { planCoco } from './coco.js';
import { detectFormat } from './detect.js';
import { planFolders } from './folders.js';
import { planImages } from './images.js';
import { planYolo } from './yolo.js';
import { leaveOutOutside } from '../outside-files.js';

const LABELS: Record<'yolo' | 'coco' | 'folders', string> = {
  yolo: 'A YOLO dataset is imported from its folder or its data.yaml',
  coco: 'A COCO dataset is imported from its JSON file or the folder that holds it',
  folders: 'Class folders are imported from the one folder that holds them',
};

/**
 * Reads what `paths` hold into an import plan.
 *
 * @param paths what the person chose: files and folders for images, one path for a dataset
 * @param format a format, or `auto` to detect it
 * @param task the project's task; the format must fit it
 * @param signal stops the scan (throws StudioError `cancelled`)
 * @param options.allowOutside take images that lie outside the dataset's folder too; without
 *   it they are left out, each reported, and counted in the plan's `outside`
 * @throws StudioError `invalid_input` when the format needs one path and got several, or does
 *   not fit the project
 */
export async function planImport(paths: string[], format: ImportFormat, task: TaskType, signal?: AbortSignal, options: { allowOutside?: boolean } = {}): Promise<ImportPlan> {
  const plan = await readPlan(paths, format, task, signal);
  if (!options.allowOutside) await leaveOutOutside(plan, signal);
  return plan;
}

async function readPlan(paths: string[], format: ImportFormat, task: TaskType, signal?: AbortSignal): Promise<ImportPlan> {
  const chosen = format === 'auto' ? await detectFormat(paths, task) : format;
  if (chosen === 'images') return planImages(paths, signal);

  if (paths.length !== 1) {
    throw new StudioError('invalid_input', `${LABELS[chosen]}; ${paths.length} paths were given. Choose one.`);
  }
  if (chosen === 'folders' && task !== 'classify') {
    throw new StudioError(
      'invalid_input',
      'Class folders label whole images, and this is a detection project. Import the folders as plain images (format "images") to draw boxes on them, or create a classification project for them.',
    );
  }
  if ((chosen === 'yolo' || chosen === 'coco') && task !== 'detect') {
    const name = chosen === 'yolo' ? 'YOLO' : 'COCO';
    throw new StudioError(
      'invalid_input',
      `${name} datasets hold boxes, and this is a classification project. Import the images alone (format "images") to tag them, or create a detection project for this dataset.`,
    );
  }
  switch (chosen) {
    case 'yolo':
      return planYolo(paths[0], signal);
    case 'coco':
      return planCoco(paths[0], signal);
    case 'folders':
      return planFolders(paths[0], signal);
  }
}
