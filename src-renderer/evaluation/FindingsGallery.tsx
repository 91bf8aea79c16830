/**
 * The likely label errors, most likely first: each a thumbnail with the model's box (solid) and
 * the drawn one (dashed), what the disagreement is and how sure the model is. "Open in labeler"
 * puts the model's boxes on the image as suggestions and opens it with what to fix selected, so
 * that two keys fix it; "Ignore" hides the finding for good (also when the run is evaluated again).
 */
import type { StoreApi } from 'zustand/vanilla';
import { FINDING_KINDS, type ClassDef, type Finding, type FindingKind } from '@shared';
import { useSlice, useStores } from '../ui/stores-context.js';
import type { EvaluationState } from './evaluation-store.js';

const KIND_TITLES: Record<FindingKind, string> = {
  extra: 'Box nobody drew',
  missed: 'Drawn box not found',
  class: 'Class disagrees',
};

function describe(f: Finding): string {
  if (f.kind === 'extra') return `The model finds a ${f.predicted!.className} (${f.confidence!.toFixed(2)}) where nothing is drawn.`;
  if (f.kind === 'missed') return `Nothing the model finds overlaps this ${f.label!.className} (best overlap ${(f.iou ?? 0).toFixed(2)}).`;
  return `Drawn as ${f.label!.className}, the model says ${f.predicted!.className} (${f.confidence!.toFixed(2)}).`;
}

/** How the keys fix each kind of finding once it is open in the labeler (a detector's; a classifier's is Y). */
const FIX_HINTS: Record<FindingKind, string> = {
  extra: "Y accepts the model's box",
  missed: 'The drawn box is selected: Delete removes it',
  class: "The drawn box is selected: a digit gives it another class, or Delete then Y takes the model's box",
};

function FindingThumb({ finding: f, classes }: { finding: Finding; classes: readonly ClassDef[] }) {
  const { host } = useStores();
  const colorOf = (id: number) => classes.find((c) => c.id === id)?.color ?? '#ff00ff';
  const stroke = Math.max(1.5, Math.max(f.width, f.height) / 120);
  const rect = (b: Finding['predicted'], dashed: boolean, testId: string) =>
    b && b.x !== undefined ? (
      <rect x={b.x} y={b.y} width={b.w} height={b.h} fill="none" stroke={colorOf(b.classId)} strokeWidth={stroke} strokeDasharray={dashed ? `${stroke * 3} ${stroke * 2}` : undefined} data-testid={testId} />
    ) : null;
  return (
    <svg className="finding-thumb" viewBox={`0 0 ${Math.max(1, f.width)} ${Math.max(1, f.height)}`} role="img" aria-label={f.imageName}>
      <image href={host.media('thumb', f.imageId)} x={0} y={0} width={f.width} height={f.height} preserveAspectRatio="none" />
      {rect(f.label, true, 'finding-label-box')}
      {rect(f.predicted, false, 'finding-predicted-box')}
    </svg>
  );
}

export function FindingsGallery({ store, onOpen }: { store: StoreApi<EvaluationState>; onOpen(findingId: string): void }) {
  const { project } = useStores();
  const classes = useSlice(project, (p) => p.classes);
  const classify = useSlice(project, (p) => p.project?.task === 'classify');
  const evaluation = useSlice(store, (s) => s.evaluation);
  const page = useSlice(store, (s) => s.findings);
  const kinds = useSlice(store, (s) => s.kinds);
  const showIgnored = useSlice(store, (s) => s.showIgnored);
  const opening = useSlice(store, (s) => s.opening);
  if (!evaluation) return null;
  const counts = evaluation.findings;
  const total = counts.extra + counts.missed + counts.class;
  const toggle = (k: FindingKind) => void store.getState().setKinds(kinds.includes(k) ? kinds.filter((x) => x !== k) : [...kinds, k]);

  return (
    <section className="card findings" data-testid="findings" data-total={page?.total ?? 0}>
      <div className="findings-header">
        <h3>Likely label errors</h3>
        <span className="muted small">
          {total} found{page && page.ignored > 0 ? `, ${page.ignored} ignored` : ''}; most likely first
        </span>
      </div>
      <div className="findings-filters" role="group" aria-label="Kinds of findings">
        {FINDING_KINDS.map((k) => (
          <button key={k} type="button" className={`filter-chip${kinds.includes(k) ? ' active' : ''}`} aria-pressed={kinds.includes(k)} onClick={() => toggle(k)} data-testid={`findings-kind-${k}`}>
            {KIND_TITLES[k]} <span className="chip-count">{counts[k]}</span>
          </button>
        ))}
        <label className="checkbox small">
          <input type="checkbox" checked={showIgnored} onChange={(e) => void store.getState().setShowIgnored(e.target.checked)} data-testid="findings-show-ignored" />
          Show ignored
        </label>
      </div>
      {page && page.items.length === 0 && <p className="muted" data-testid="findings-empty">{total === 0 ? 'The model agrees with every label here.' : 'Nothing to show with these filters.'}</p>}
      <ul className="finding-grid">
        {page?.items.map((f) => (
          <li key={f.id} className={`finding${f.ignored ? ' ignored' : ''}`} data-testid="finding" data-finding-id={f.id} data-kind={f.kind} data-image-id={f.imageId}>
            <FindingThumb finding={f} classes={classes} />
            <div className="finding-text">
              <strong>{KIND_TITLES[f.kind]}</strong>
              <span className="muted small" title={f.imageName}>
                {f.imageName}
              </span>
              <span className="small">{describe(f)}</span>
            </div>
            <div className="finding-actions">
              <button type="button" onClick={() => onOpen(f.id)} disabled={opening !== null} title={classify ? "Y accepts the model's class" : FIX_HINTS[f.kind]} data-testid="finding-open">
                {opening === f.id ? 'Opening…' : 'Open in labeler'}
              </button>
              <button type="button" className="link-button" onClick={() => void store.getState().ignore(f.id, !f.ignored)} data-testid="finding-ignore">
                {f.ignored ? 'Show again' : 'Ignore'}
              </button>
            </div>
          </li>
        ))}
      </ul>
      {page && page.total > page.items.length && (
        <button type="button" onClick={() => void store.getState().moreFindings()} data-testid="findings-more">
          More ({page.total - page.items.length} left)
        </button>
      )}
    </section>
  );
}
