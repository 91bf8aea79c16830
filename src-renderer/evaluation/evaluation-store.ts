/**
 * The Evaluation tab: which run is evaluated (and compared with which), its latest evaluation,
 * the job while one runs, and the gallery of likely label errors a page at a time. Opening a
 * finding writes the model's boxes for its image as suggestions; the labeler then shows them.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Evaluation, Finding, FindingKind, FindingPage, JobProgress, JobResult, RunSummary, Split, StudioApi } from '@shared';
import type { LabelerFocus } from '../labeler/focus.js';

export type EvaluationApi = {
  evaluation: Pick<StudioApi['evaluation'], 'start' | 'get' | 'latest' | 'findings' | 'ignore' | 'suggest'>;
  training: Pick<StudioApi['training'], 'list'>;
};

/** Findings shown at once; "More" adds as many again. */
const PAGE = 24;

export interface EvaluationState {
  /** Runs that can be evaluated: those that ended. */
  runs: RunSummary[];
  runId: string | null;
  compareRunId: string | null;
  /** null: test, else val (the studio's choice). */
  split: Split | null;
  evaluation: Evaluation | null;
  findings: FindingPage | null;
  kinds: FindingKind[];
  showIgnored: boolean;
  /** The evaluation job under way, with its progress. */
  jobId: string | null;
  progress: JobProgress | null;
  /** The finding being opened in the labeler. */
  opening: string | null;
  error: string | null;

  refresh(): Promise<void>;
  selectRun(runId: string): Promise<void>;
  setCompare(runId: string | null): void;
  setSplit(split: Split | null): void;
  start(): Promise<void>;
  setKinds(kinds: FindingKind[]): Promise<void>;
  setShowIgnored(show: boolean): Promise<void>;
  moreFindings(): Promise<void>;
  ignore(findingId: string, ignored: boolean): Promise<void>;
  /**
   * Puts the finding's predictions on its image as suggestions: the image to open, with what the
   * labeler should select there; null when that failed.
   */
  suggest(findingId: string): Promise<{ imageId: number; focus: LabelerFocus } | null>;
  /** Job events: the page follows its own job. */
  jobProgressed(p: JobProgress): void;
  jobFinished(r: JobResult): Promise<void>;
}

/**
 * What a finding asks the user to fix, in the labeler: a drawn box the model does not find, or
 * finds as another class, is selected (Delete or a digit fixes it); the model's box (or class) is
 * the suggestion Y accepts, also for a box nobody drew.
 */
export function focusFor(f: Finding): LabelerFocus {
  const target = (b: Finding['label']) => (b ? { classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h } : undefined);
  return {
    annotation: f.kind !== 'extra' && f.label?.x !== undefined ? target(f.label) : undefined,
    suggestion: target(f.predicted),
  };
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const ENDED = new Set(['completed', 'stopped', 'failed', 'interrupted']);

export function createEvaluationStore(api: EvaluationApi): StoreApi<EvaluationState> {
  let ticket = 0;
  return createStore<EvaluationState>()((set, get) => {
    /** Loads the first page of findings (or more), with the filters in force. */
    const loadFindings = async (keep: number) => {
      const { evaluation, kinds, showIgnored } = get();
      if (!evaluation) return set({ findings: null });
      const page = await api.evaluation.findings({ evaluationId: evaluation.id, kinds: kinds.length ? kinds : undefined, includeIgnored: showIgnored, limit: Math.max(PAGE, keep), offset: 0 });
      if (get().evaluation?.id === evaluation.id) set({ findings: page });
    };
    const show = async (evaluation: Evaluation | null) => {
      set({ evaluation, findings: null, compareRunId: evaluation?.compareRunId ?? get().compareRunId });
      await loadFindings(PAGE);
    };
    const guard = async (work: () => Promise<void>) => {
      try {
        set({ error: null });
        await work();
      } catch (err) {
        set({ error: message(err) });
      }
    };

    return {
      runs: [],
      runId: null,
      compareRunId: null,
      split: null,
      evaluation: null,
      findings: null,
      kinds: [],
      showIgnored: false,
      jobId: null,
      progress: null,
      opening: null,
      error: null,

      refresh: () =>
        guard(async () => {
          const runs = (await api.training.list()).filter((r) => ENDED.has(r.status) && r.epochsDone > 0);
          set({ runs });
          const current = get().runId;
          if (current && runs.some((r) => r.id === current)) return;
          const first = runs.find((r) => r.status === 'completed') ?? runs[0];
          if (first) await get().selectRun(first.id);
        }),

      selectRun: (runId) =>
        guard(async () => {
          const mine = ++ticket;
          set({ runId, evaluation: null, findings: null, compareRunId: get().compareRunId === runId ? null : get().compareRunId });
          const latest = await api.evaluation.latest({ runId });
          if (mine === ticket) await show(latest);
        }),

      setCompare: (compareRunId) => set({ compareRunId }),
      setSplit: (split) => set({ split }),

      start: () =>
        guard(async () => {
          const { runId, compareRunId, split } = get();
          if (!runId) return;
          set({ progress: null });
          const { jobId } = await api.evaluation.start({ runId, compareRunId: compareRunId ?? undefined, split: split ?? undefined });
          set({ jobId });
        }),

      setKinds: (kinds) =>
        guard(async () => {
          set({ kinds });
          await loadFindings(PAGE);
        }),

      setShowIgnored: (showIgnored) =>
        guard(async () => {
          set({ showIgnored });
          await loadFindings(PAGE);
        }),

      moreFindings: () => guard(() => loadFindings((get().findings?.items.length ?? 0) + PAGE)),

      ignore: (findingId, ignored) =>
        guard(async () => {
          const evaluation = get().evaluation;
          if (!evaluation) return;
          await api.evaluation.ignore({ evaluationId: evaluation.id, findingIds: [findingId], ignored });
          await loadFindings(get().findings?.items.length ?? PAGE);
        }),

      async suggest(findingId) {
        const evaluation = get().evaluation;
        const finding = get().findings?.items.find((f) => f.id === findingId);
        if (!evaluation) return null;
        set({ opening: findingId, error: null });
        try {
          const { imageId } = await api.evaluation.suggest({ evaluationId: evaluation.id, findingId });
          return { imageId, focus: finding ? focusFor(finding) : {} };
        } catch (err) {
          set({ error: message(err) });
          return null;
        } finally {
          set({ opening: null });
        }
      },

      jobProgressed(p) {
        if (p.jobId === get().jobId) set({ progress: p });
      },

      async jobFinished(r) {
        if (r.jobId !== get().jobId) return;
        set({ jobId: null, progress: null });
        if (r.status === 'failed') return set({ error: r.error.message });
        if (r.kind !== 'evaluate' || !r.report.evaluationId) return;
        const evaluationId = r.report.evaluationId;
        await guard(async () => {
          const evaluation = await api.evaluation.get({ evaluationId });
          if (evaluation.runId === get().runId) await show(evaluation);
        });
      },
    };
  });
}
