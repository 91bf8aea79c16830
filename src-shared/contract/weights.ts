/** The weights domain of the contract: the studio's library of `.pt` files to train from. */
import * as W from '../weights.js';
import type { WeightsLibraryState } from '../weights.js';
import * as S from '../schemas.js';
import { method, returns } from './define.js';

export const weightsContract = {
  weights: {
    /** What the library holds, where downloads come from, and the pretrained weights on offer. */
    list: method(S.NoInput, returns<WeightsLibraryState>()),
    /**
     * Fetches pretrained weights by name (yolo11n.pt) from the mirror or Ultralytics' releases:
     * a job with progress in bytes, cancellable; a fetch cut short resumes where it stopped. The
     * file joins the library only whole and loadable by the runtime.
     */
    pull: method(W.WeightsNameInput, returns<{ jobId: string }>()),
    /** Adds a `.pt` file, or every `.pt` in a folder, after the runtime has loaded each: a job. */
    add: method(W.WeightsAddInput, returns<{ jobId: string }>()),
    remove: method(W.WeightsNameInput, returns<WeightsLibraryState>()),
    /** Saves (or, with null, forgets) the mirror setting. RETICLE_WEIGHTS_MIRROR overrides it. */
    setMirror: method(W.WeightsMirrorInput, returns<WeightsLibraryState>()),
  },
} as const;
