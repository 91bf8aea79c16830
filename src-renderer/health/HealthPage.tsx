/**
 * Dataset health: how the classes are balanced, how many boxes images hold, how big and how
 * shaped the boxes are, which image sizes there are, what is unlabeled or empty, and boxes or
 * images that look wrong. Pictures where a person would rather look than read; clicking a
 * problem opens its image (and selects its box) in the labeler.
 */
import { useCallback, useEffect, useState } from 'react';
import type { DatasetHealth, HealthProblem, HealthProblemKind, ImageFilter } from '@shared';
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { useSlice, useStores } from '../ui/stores-context.js';
import { toErrorPayload, type ErrorPayload } from '@shared';
import { HistogramChart, HorizontalBars } from './charts.js';

const PROBLEM_LABELS: Record<HealthProblemKind, { title: string; why: string }> = {
  tiny_box: { title: 'Tiny boxes', why: 'a few pixels across: often a slip of the mouse' },
  degenerate_box: { title: 'Boxes with no area', why: 'zero width or height: they teach the model nothing' },
  out_of_bounds_box: { title: 'Boxes outside the image', why: 'partly or wholly past its edges' },
  near_duplicate: { title: 'Near-duplicate images', why: 'the same picture twice can leak from train into val' },
};

const PROBLEM_ORDER: HealthProblemKind[] = ['degenerate_box', 'out_of_bounds_box', 'tiny_box', 'near_duplicate'];
const percent = (v: number) => `${Math.round(v * 100)}%`;
const aspect = (v: number) => (v === 0 ? '1:1' : v > 0 ? `${round1(2 ** v)}:1` : `1:${round1(2 ** -v)}`);
const round1 = (v: number) => Math.round(v * 10) / 10;

export function HealthPage({ onShowImages }: { onShowImages: (filter: ImageFilter) => void }) {
  const { host, project } = useStores();
  const task = useSlice(project, (s) => s.project?.task ?? 'detect');
  const [health, setHealth] = useState<DatasetHealth | null>(null);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setHealth(await host.api.stats.health());
    } catch (err) {
      setError(toErrorPayload(err));
    } finally {
      setLoading(false);
    }
  }, [host]);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <div className="page health-page" data-testid="health-page">
      <div className="page-header">
        <h2>Dataset health</h2>
        <button type="button" onClick={() => void load()} disabled={loading} data-testid="health-refresh">
          {loading ? 'Checking…' : 'Check again'}
        </button>
      </div>
      <ErrorMessage error={error} testId="health-error" />
      {!health && loading && <p className="muted">Looking at every image and box…</p>}
      {health && <HealthReport health={health} detect={task === 'detect'} onShowImages={onShowImages} />}
    </div>
  );
}

function HealthReport({ health, detect, onShowImages }: { health: DatasetHealth; detect: boolean; onShowImages: (filter: ImageFilter) => void }) {
  const problems = PROBLEM_ORDER.filter((k) => health.problemCounts[k] > 0);
  const classItems = health.classDistribution.map((c) => ({ key: c.classId, label: c.name, value: c.annotations, color: c.color, detail: `on ${c.images.toLocaleString()} image${c.images === 1 ? '' : 's'}` }));
  const sizes = health.imageSizes.slice(0, 12).map((s) => ({ key: `${s.width}x${s.height}`, label: `${s.width} × ${s.height}`, value: s.count }));
  return (
    <div className="health-grid">
      <section className="card summary-card" data-testid="health-summary">
        <Figure label="Images" value={health.images} testId="health-images" />
        <Figure label="Unlabeled" value={health.unlabeledImages} testId="health-unlabeled" onClick={() => onShowImages({ kind: 'unlabeled' })} />
        <Figure label="Done, nothing in them" value={health.emptyImages} testId="health-empty" />
        {PROBLEM_ORDER.map((k) => (
          <Figure key={k} label={PROBLEM_LABELS[k].title} value={health.problemCounts[k]} testId={`health-count-${k}`} warn={health.problemCounts[k] > 0} />
        ))}
      </section>

      <section className="card">
        <h3>{detect ? 'Boxes per class' : 'Tags per class'}</h3>
        <HorizontalBars items={classItems} testId="health-classes" />
        <ImbalanceNote items={classItems} />
      </section>

      {detect && (
        <>
          <section className="card">
            <h3>Boxes per image</h3>
            <HistogramChart histogram={health.boxesPerImage} testId="health-boxes-per-image" format={(v) => String(Math.round(v))} caption="How many images hold how many boxes." />
          </section>
          <section className="card">
            <h3>Box size</h3>
            <HistogramChart histogram={health.boxWidth} testId="health-box-width" format={percent} caption="Width, as a share of the image's." />
            <HistogramChart histogram={health.boxHeight} testId="health-box-height" format={percent} color="var(--ok)" caption="Height, as a share of the image's." />
          </section>
          <section className="card">
            <h3>Box shape</h3>
            <HistogramChart histogram={health.boxAspect} testId="health-box-aspect" format={aspect} color="var(--warning)" caption="Width to height: tall on the left, wide on the right." />
          </section>
        </>
      )}

      <section className="card">
        <h3>Image sizes</h3>
        <HorizontalBars items={sizes} testId="health-image-sizes" unit="images" />
        {health.imageSizes.length > sizes.length && <p className="muted small">and {health.imageSizes.length - sizes.length} more sizes</p>}
      </section>

      <section className="card problems-card" data-testid="health-problems">
        <h3>Problems</h3>
        {problems.length === 0 ? <p className="muted small">None found.</p> : problems.map((kind) => <ProblemList key={kind} kind={kind} count={health.problemCounts[kind]} problems={health.problems.filter((p) => p.kind === kind)} />)}
      </section>
    </div>
  );
}

function Figure({ label, value, testId, warn, onClick }: { label: string; value: number; testId: string; warn?: boolean; onClick?: () => void }) {
  const body = (
    <>
      <span className={`figure-value${warn ? ' warn' : ''}`} data-testid={testId}>
        {value.toLocaleString()}
      </span>
      <span className="figure-label">{label}</span>
    </>
  );
  return onClick && value > 0 ? (
    <button type="button" className="figure link-figure" onClick={onClick} title="Show them in the grid">
      {body}
    </button>
  ) : (
    <div className="figure">{body}</div>
  );
}

/** A line under the class bars when one class has far fewer examples than the largest. */
function ImbalanceNote({ items }: { items: { label: string; value: number }[] }) {
  if (items.length < 2) return null;
  const max = Math.max(...items.map((i) => i.value));
  const rare = items.filter((i) => i.value < max / 10);
  if (rare.length === 0 || max === 0) return null;
  return (
    <p className="small warn-text" data-testid="health-imbalance">
      {rare.map((r) => r.label).join(', ')} {rare.length === 1 ? 'has' : 'have'} less than a tenth of the examples of the largest class.
    </p>
  );
}

function ProblemList({ kind, count, problems }: { kind: HealthProblemKind; count: number; problems: HealthProblem[] }) {
  const { viewer, labeler } = useStores();
  const [open, setOpen] = useState(kind !== 'tiny_box');
  const show = async (problem: HealthProblem, imageId = problem.imageId) => {
    await viewer.getState().openImage(imageId);
    if (problem.annotationId && imageId === problem.imageId && labeler.document.getState().byId.has(problem.annotationId)) {
      labeler.tool.getState().select([problem.annotationId]);
    }
  };
  return (
    <div className="problem-group" data-testid={`health-problems-${kind}`}>
      <button type="button" className="problem-title" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
        <strong>{PROBLEM_LABELS[kind].title}</strong> <span className="chip-count">{count.toLocaleString()}</span> <span className="muted small">{PROBLEM_LABELS[kind].why}</span>
      </button>
      {open && (
        <ul className="problem-list">
          {problems.map((p, i) => (
            <li key={`${p.imageId}-${p.annotationId ?? p.otherImageId ?? i}`}>
              <button type="button" className="link-button" onClick={() => void show(p)} data-testid="health-problem" data-image-id={p.imageId}>
                Image {p.imageId}
              </button>
              {p.otherImageId !== undefined && (
                <>
                  {' '}
                  and{' '}
                  <button type="button" className="link-button" onClick={() => void show(p, p.otherImageId)} data-testid="health-problem-other" data-image-id={p.otherImageId}>
                    image {p.otherImageId}
                  </button>
                </>
              )}
              <span className="muted small"> — {p.detail}</span>
            </li>
          ))}
          {count > problems.length && <li className="muted small">…and {(count - problems.length).toLocaleString()} more</li>}
        </ul>
      )}
    </div>
  );
}
