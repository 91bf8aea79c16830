/**
 * Events several domains emit after their writes: labeling edits and accepted suggestions both
 * make the grid's lists and counts stale, and share one throttle so a burst refreshes it twice,
 * not a hundred times.
 */
import type { StudioEmitter } from '@shared';
import type { ProjectSession } from './project-session.js';
import { throttle } from './throttle.js';

/** Labeling edits refresh the grid's lists and counts at most this often. */
const EDIT_REFRESH_MS = 300;

export interface ProjectEvents {
  /** Images were relabeled: the grid's lists and counts are stale (throttled). */
  imagesEdited(): void;
  /** Classes were deleted or merged: the class list, and the images that had them, changed. */
  classesChanged(): void;
}

export function createProjectEvents(emit: () => StudioEmitter, session: ProjectSession): ProjectEvents {
  return {
    imagesEdited: throttle(() => emit().images.onChanged({ reason: 'edit' }), EDIT_REFRESH_MS),
    classesChanged: () => {
      emit().classes.onChanged(session.require().store.classes.list());
      emit().images.onChanged({ reason: 'edit' });
    },
  };
}
