/**
 * The training store's view part: what the page shows of the runs. The run in view (live view,
 * charts, results), the runs overlaid on its charts, and the form, kept here so it survives
 * switching tabs. The runs part moves the view when a run starts, resumes or a list arrives,
 * through the helpers below.
 */
import type { RunDetail, RunSummary } from '@shared';
import { isActive } from './run-data.js';
import { DEFAULT_FORM, type TrainingFormValues } from './training-form.js';

export interface TrainingViewSlice {
  /** The run the live view, charts and results show. */
  focusRunId: string | null;
  /** Other runs drawn on the same charts, in the order they were picked. */
  overlayIds: string[];
  form: TrainingFormValues;

  focus(runId: string | null): Promise<void>;
  toggleOverlay(runId: string): Promise<void>;
  clearOverlay(): void;
  setForm(patch: Partial<TrainingFormValues>): void;
  resetForm(): void;
}

/** What the view reads of the runs part: the list, the details loaded, and how to load one. */
interface RunsInView {
  runs: RunSummary[];
  details: Record<string, RunDetail>;
  loadDetail(runId: string): Promise<RunDetail | null>;
}

type RunInView = Pick<TrainingViewSlice, 'focusRunId' | 'overlayIds'>;

function noRunInView(): RunInView {
  return { focusRunId: null, overlayIds: [] };
}

/** A project switch: no run in view, and the form forgets the run it would start from (another project's). */
export function viewOfNewProject(view: Pick<TrainingViewSlice, 'form'>): Partial<TrainingViewSlice> {
  return { ...noRunInView(), form: { ...view.form, runId: '' } };
}

/** Puts a run in view; it is no longer overlaid on itself. */
export function showRun(view: RunInView, runId: string): RunInView {
  return { focusRunId: runId, overlayIds: view.overlayIds.filter((id) => id !== runId) };
}

/**
 * The view once the list of runs (re)loaded: the run in view stays if it is still there, else
 * the active run or the newest; overlaid runs that are gone are dropped.
 */
export function viewOfListedRuns(view: RunInView, runs: readonly RunSummary[]): RunInView {
  let focus = view.focusRunId && runs.some((r) => r.id === view.focusRunId) ? view.focusRunId : null;
  focus ??= runs.find((r) => isActive(r.status))?.id ?? runs[0]?.id ?? null;
  return { focusRunId: focus, overlayIds: view.overlayIds.filter((id) => id !== focus && runs.some((r) => r.id === id)) };
}

/** The summary of the run in view, if the list has it. */
export function focusedRun(state: RunInView & Pick<RunsInView, 'runs'>): RunSummary | undefined {
  return state.runs.find((r) => r.id === state.focusRunId);
}

export function createTrainingViewSlice(set: (patch: Partial<TrainingViewSlice>) => void, get: () => TrainingViewSlice & RunsInView): TrainingViewSlice {
  return {
    ...noRunInView(),
    form: DEFAULT_FORM,

    async focus(runId) {
      set(runId ? showRun(get(), runId) : { focusRunId: null });
      if (!runId) return;
      const run = get().runs.find((r) => r.id === runId);
      const detail = get().details[runId];
      // Loaded once for a finished run; again for a live one, whose epochs may have moved on unseen.
      if (!detail || (run && (isActive(run.status) || detail.status !== run.status))) await get().loadDetail(runId);
    },

    async toggleOverlay(runId) {
      const { overlayIds, focusRunId } = get();
      if (overlayIds.includes(runId)) {
        set({ overlayIds: overlayIds.filter((id) => id !== runId) });
        return;
      }
      if (runId === focusRunId) return;
      set({ overlayIds: [...overlayIds, runId] });
      if (!get().details[runId]) await get().loadDetail(runId);
    },

    clearOverlay() {
      set({ overlayIds: [] });
    },

    setForm(patch) {
      set({ form: { ...get().form, ...patch } });
    },

    resetForm() {
      set({ form: DEFAULT_FORM });
    },
  };
}
