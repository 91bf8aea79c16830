/**
 * What each keyboard command does in the labeler. Kept apart from the key table (`hotkeys.ts`)
 * and from React, so toolbar buttons and keys run the same code.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { ClassDef, ImageStatus, ProjectInfo } from '@shared';
import type { ViewerState } from '../stores/viewer-store.js';
import type { LabelerCommand } from './hotkeys.js';
import type { LabelerSession } from './labeler-session.js';

export interface CommandEnv {
  session: LabelerSession;
  viewer: StoreApi<ViewerState>;
  classes(): readonly ClassDef[];
  project(): ProjectInfo | null;
  toggleHelp(): void;
  close(): void;
  /** A command failed in a way the user should see. */
  report(err: unknown): void;
}

/** Zoom step of the + and − keys. */
const KEY_ZOOM = 1.25;

export async function runCommand(cmd: LabelerCommand, env: CommandEnv): Promise<void> {
  const { session, viewer } = env;
  const notice = (text: string) => session.tool.getState().setNotice(text);
  const toggleStatus = async (status: ImageStatus) => {
    const image = viewer.getState().image;
    if (!image) return;
    await viewer.getState().setStatus(image.status === status ? 'in_progress' : status);
  };
  try {
    switch (cmd.type) {
      case 'undo':
        session.undo();
        return;
      case 'redo':
        session.redo();
        return;
      case 'delete':
        session.deleteSelection();
        return;
      case 'selectAll':
        session.selectAll();
        return;
      case 'copy': {
        const n = session.copySelection();
        if (n > 0) notice(`Copied ${n} box${n === 1 ? '' : 'es'}.`);
        return;
      }
      case 'paste':
        session.paste();
        return;
      case 'copyPrevious': {
        const n = await session.copyFromPrevious();
        if (n > 0) notice(`Copied ${n} box${n === 1 ? '' : 'es'} from the previous image.`);
        return;
      }
      case 'class': {
        const cls = env.classes()[cmd.index];
        if (!cls) return;
        const project = env.project();
        if (project?.task === 'classify') {
          session.tag(cls.id);
          // Single-label: one key press labels the image and moves on.
          if (!project.multiLabel) await viewer.getState().step(1);
        } else {
          session.setClass(cls.id);
        }
        return;
      }
      case 'acceptSuggestion': {
        const n = await session.acceptSuggestions(cmd.all);
        if (n === null) notice('No model suggestion on this image to accept.');
        return;
      }
      case 'rejectSuggestion':
        if (!(await session.rejectSuggestion())) notice('No model suggestion on this image to reject.');
        return;
      case 'toggleClass': {
        const cls = env.classes()[cmd.index];
        if (cls) session.viewport.getState().toggleClassHidden(cls.id);
        return;
      }
      case 'next':
        await viewer.getState().step(1);
        return;
      case 'previous':
        await viewer.getState().step(-1);
        return;
      case 'nextUnlabeled':
        if (!(await viewer.getState().stepWhere('next'))) notice('No unlabeled image after this one.');
        return;
      case 'previousUnlabeled':
        if (!(await viewer.getState().stepWhere('previous'))) notice('No unlabeled image before this one.');
        return;
      case 'markDone':
        await toggleStatus('done');
        return;
      case 'markDoneAndNext':
        if (viewer.getState().image?.status !== 'done') await viewer.getState().setStatus('done');
        await viewer.getState().step(1);
        return;
      case 'markReview':
        await toggleStatus('review');
        return;
      case 'fit':
        session.viewport.getState().fit();
        return;
      case 'zoomIn':
        session.viewport.getState().zoomBy(KEY_ZOOM);
        return;
      case 'zoomOut':
        session.viewport.getState().zoomBy(1 / KEY_ZOOM);
        return;
      case 'cancel':
        if (!session.cancel()) env.close();
        return;
      case 'help':
        env.toggleHelp();
        return;
      case 'mode':
        session.tool.getState().setMode(cmd.mode);
        return;
    }
  } catch (err) {
    env.report(err);
  }
}
