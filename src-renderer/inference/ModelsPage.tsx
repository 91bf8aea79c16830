/**
 * The Models tab: load a model (a completed training run's ONNX export, an .onnx file by path, or
 * pretrained weights from the studio's library), see its task, classes and how they map to the
 * project's; preview it on a few images with the predicted boxes beside the ground truth,
 * confidence and IoU re-filtered at once; start auto-label (its progress and cancel are in the
 * jobs panel), keeping only the classes chosen for library weights; and review the suggestions,
 * least sure first, in the labeler.
 */
import { useEffect, useState } from 'react';
import type { Annotation, ClassDef, Detection, ImagePrediction } from '@shared';
import { useSlice, useStores } from '../ui/stores-context.js';
import { createInferenceStore, type InferenceState, type PreviewKey } from './inference-store.js';
import { mappingProblem } from './class-mapping.js';
import { ClassMappingPanel } from './ClassMappingPanel.js';
import { LibraryWeightsPicker } from './LibraryWeightsPicker.js';
import type { StoreApi } from 'zustand/vanilla';
import './models.css';

const FALLBACK_COLOR = '#ff00ff';

/** `onShowWeights` opens the Weights tab, offered when the library has no weights to pick. */
export function ModelsPage({ onShowWeights }: { onShowWeights?: () => void } = {}) {
  const stores = useStores();
  const { api } = stores.host;
  const [store] = useState(() => createInferenceStore(api, { projectClasses: () => stores.project.getState().classes.map((c) => c.name) }));
  const s = useSlice(store, (st) => st);
  const classes = useSlice(stores.project, (p) => p.classes);
  const [path, setPath] = useState('');
  const [folderPath, setFolderPath] = useState('');
  const nativeDialogs = useSlice(stores.project, (p) => p.appInfo?.nativeDialogs ?? false);
  const chooseFolder = async () => {
    const dir = await stores.project.getState().pickDirectory('A folder of images to preview the model on');
    if (dir) {
      setFolderPath(dir);
      void store.getState().openFolder(dir);
    }
  };

  useEffect(() => {
    void store.getState().refresh();
    void store.getState().loadQueue();
    const unsubscribe = api.jobs.onFinished((result) => {
      if (result.kind === 'autolabel') void store.getState().loadQueue();
    });
    return unsubscribe;
  }, [api, store]);

  const colorOf = (classId: number | null) => classes.find((c) => c.id === classId)?.color ?? FALLBACK_COLOR;

  const fromLibrary = s.source !== null && 'weights' in s.source;
  // Library weights: auto-label needs at least one kept class, each named as the project allows.
  const mappingBlocked = fromLibrary && (!s.mapping.some((r) => r.keep) || s.mapping.some((r) => mappingProblem(r, classes.map((c) => c.name)) !== null));

  const startAutolabel = async () => {
    const jobId = await store.getState().autolabel();
    if (jobId) void stores.jobs.getState().loadRunning().catch(() => undefined);
  };

  return (
    <div className="page models-page" data-testid="models-page">
      <div className="page-header">
        <h2>Models</h2>
      </div>
      {s.error && (
        <div className="error-message" role="alert" data-testid="models-error">
          {s.error}
        </div>
      )}
      <section className="card">
        <h3>Model</h3>
        {s.runs.length > 0 && (
          <ul className="models-runs" aria-label="Trained runs">
            {s.runs.map((r) => (
              <li key={r.id}>
                <button type="button" data-testid="models-run" onClick={() => void store.getState().loadModel({ runId: r.id })}>
                  {r.name} ({r.model})
                </button>
              </li>
            ))}
          </ul>
        )}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (path.trim()) void store.getState().loadModel({ modelPath: path.trim() });
          }}
        >
          <label>
            ONNX file{' '}
            <input type="text" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/model.onnx" data-testid="models-path" size={48} />
          </label>{' '}
          <button type="submit" disabled={!path.trim() || s.loadingModel} data-testid="models-load">
            Load
          </button>
        </form>
        <LibraryWeightsPicker store={store} onShowWeights={onShowWeights} />
        {s.loadingModel && !fromLibrary && <p className="muted">Loading the model…</p>}
        {s.model && (
          <dl className="image-details" data-testid="models-info">
            <dt>Task</dt>
            <dd data-testid="models-task">{s.model.task}</dd>
            <dt>Runs on</dt>
            <dd>
              {s.model.provider}, loaded in {Math.round(s.model.loadMs)} ms
            </dd>
            <dt>Classes</dt>
            <dd data-testid="models-classes">
              {fromLibrary && `${s.model.names.length}; choose which to keep, and as what, under Auto-label below.`}
              {!fromLibrary && s.model.classMapping.map((m) => (
                <span key={m.classIndex} className={m.classId === null ? 'muted' : ''}>
                  {m.modelName}
                  {m.classId === null ? ' (no project class)' : ` → ${classes.find((c) => c.id === m.classId)?.name ?? m.classId}`}
                  {'; '}
                </span>
              ))}
            </dd>
            {!fromLibrary && s.model.unmatched.length > 0 && (
              <>
                <dt>Unmatched</dt>
                <dd data-testid="models-unmatched">{s.model.unmatched.join(', ')}</dd>
              </>
            )}
          </dl>
        )}
      </section>

      {s.model && s.model.task === 'detect' && (
        <section className="card" data-testid="models-preview">
          <h3>Preview</h3>
          <div className="models-strip" role="list" aria-label="Images to preview">
            {s.strip.map((img) => (
              <button key={img.id} type="button" role="listitem" className={`models-thumb${s.selected.includes(img.id) ? ' selected' : ''}`} aria-pressed={s.selected.includes(img.id)} onClick={() => store.getState().toggleImage(img.id)} data-testid="models-thumb" title={img.name}>
                <img src={stores.host.media('thumb', img.id)} alt={img.name} width={64} height={64} />
              </button>
            ))}
          </div>
          <form
            className="models-folder"
            onSubmit={(e) => {
              e.preventDefault();
              if (folderPath.trim()) void store.getState().openFolder(folderPath.trim());
            }}
          >
            <label>
              Or images outside the project{' '}
              <input type="text" value={folderPath} onChange={(e) => setFolderPath(e.target.value)} placeholder="/path/to/new/images" data-testid="models-folder-path" size={40} />
            </label>{' '}
            <button type="submit" disabled={!folderPath.trim() || s.openingFolder} data-testid="models-folder-open">
              Open folder
            </button>
            {nativeDialogs && (
              <button type="button" onClick={() => void chooseFolder()} data-testid="models-folder-browse">
                Browse…
              </button>
            )}
          </form>
          {s.folder && (
            <>
              <p className="muted small" data-testid="models-folder-summary">
                {s.folder.images.length} image{s.folder.images.length === 1 ? '' : 's'} in {s.folder.dir}
                {s.folder.truncated ? ' (the first 1000)' : ''}
              </p>
              <div className="models-strip" role="list" aria-label="Images in the folder">
                {s.folder.images.map((img) => (
                  <button key={img.token} type="button" role="listitem" className={`models-thumb${s.selectedFiles.includes(img.token) ? ' selected' : ''}`} aria-pressed={s.selectedFiles.includes(img.token)} onClick={() => store.getState().toggleFile(img.token)} data-testid="models-file" title={img.name}>
                    <img src={stores.host.externalMedia(img.token)} alt={img.name} width={64} height={64} loading="lazy" />
                  </button>
                ))}
              </div>
            </>
          )}
          <button type="button" disabled={s.selected.length + s.selectedFiles.length === 0 || s.predicting} onClick={() => void store.getState().predict()} data-testid="models-predict">
            {s.predicting ? 'Predicting…' : `Predict on ${s.selected.length + s.selectedFiles.length} image${s.selected.length + s.selectedFiles.length === 1 ? '' : 's'}`}
          </button>
          <Sliders store={store} />
          {[...s.predictions.entries()].map(([key, p]) => (
            <PreviewRow key={key} previewKey={key} prediction={p} detections={s.detections.get(key) ?? []} truth={s.groundTruth.get(key)} classes={classes} colorOf={colorOf} />
          ))}
        </section>
      )}

      {s.model && (
        <section className="card">
          <h3>Auto-label</h3>
          <p className="muted small">Stores suggestions for every unlabeled image at the confidence and IoU above; they become annotations only when accepted.</p>
          {fromLibrary && <ClassMappingPanel store={store} />}
          <button type="button" disabled={mappingBlocked} onClick={() => void startAutolabel()} data-testid="models-autolabel">
            Auto-label unlabeled images
          </button>
          {fromLibrary && !s.mapping.some((r) => r.keep) && <span className="muted small"> Keep at least one class to auto-label.</span>}
          {s.lastJobId && <span className="muted small"> Started: progress is in the jobs panel.</span>}
        </section>
      )}

      <section className="card" data-testid="models-queue">
        <h3>Review queue</h3>
        <button type="button" onClick={() => void store.getState().loadQueue()} data-testid="models-queue-refresh">
          Refresh
        </button>
        {s.queue.length === 0 ? (
          <p className="muted">No pending suggestions.</p>
        ) : (
          <ul aria-label="Images with suggestions, least sure first">
            {s.queue.map((item) => (
              <li key={item.imageId}>
                <button type="button" data-testid="models-queue-item" data-image-id={item.imageId} onClick={() => void stores.viewer.getState().openImage(item.imageId)}>
                  Image {item.imageId}: {item.suggestions} suggestion{item.suggestions === 1 ? '' : 's'}, top {item.topConfidence.toFixed(2)}
                </button>
              </li>
            ))}
            {s.queueTotal > s.queue.length && <li className="muted">… and {s.queueTotal - s.queue.length} more</li>}
          </ul>
        )}
      </section>
    </div>
  );
}

function Sliders({ store }: { store: StoreApi<InferenceState> }) {
  const conf = useSlice(store, (s) => s.conf);
  const iou = useSlice(store, (s) => s.iou);
  return (
    <div className="models-sliders">
      <label>
        Confidence {conf.toFixed(2)}{' '}
        <input type="range" min={0.01} max={1} step={0.01} value={conf} onChange={(e) => store.getState().setConf(Number(e.target.value))} data-testid="models-conf" />
      </label>{' '}
      <label>
        IoU {iou.toFixed(2)} <input type="range" min={0.05} max={1} step={0.01} value={iou} onChange={(e) => store.getState().setIou(Number(e.target.value))} data-testid="models-iou" />
      </label>
    </div>
  );
}

function PreviewRow({ previewKey, prediction: p, detections, truth, classes, colorOf }: { previewKey: PreviewKey; prediction: ImagePrediction; detections: Detection[]; truth?: Annotation[]; classes: readonly ClassDef[]; colorOf(classId: number | null): string }) {
  const { host } = useStores();
  const external = previewKey.startsWith('file:');
  const label = p.imageId !== undefined ? `Image ${p.imageId}` : (p.path ?? '');
  if (p.error) return <p className="error-message" data-testid="models-result-error">{label}: {p.error.message}</p>;
  const src = external ? host.externalMedia(previewKey.slice('file:'.length)) : host.media('image', p.imageId!);
  const ms = p.timings.decode + p.timings.preprocess + p.timings.inference + p.timings.postprocess;
  const boxes = (truth ?? []).filter((a): a is Annotation & { kind: 'box' } => a.kind === 'box');
  const name = (id: number) => classes.find((c) => c.id === id)?.name ?? `class ${id}`;
  return (
    <div className="models-row" data-testid="models-result" data-image-id={p.imageId} data-path={p.path} data-detections={detections.length}>
      <figure>
        <ImageWithBoxes src={src} width={p.width} height={p.height} boxes={detections.map((d) => ({ ...d, color: colorOf(d.classId), label: `${d.className} ${d.confidence.toFixed(2)}` }))} testId="models-pred-box" />
        <figcaption className="muted small" data-testid="models-timing">
          {external ? `${label} · ` : ''}
          {detections.length} predicted · {Math.round(ms)} ms (inference {Math.round(p.timings.inference)} ms)
        </figcaption>
      </figure>
      {truth && (
        <figure>
          <ImageWithBoxes src={src} width={p.width} height={p.height} boxes={boxes.map((b) => ({ ...b, color: colorOf(b.classId), label: name(b.classId) }))} testId="models-truth-box" />
          <figcaption className="muted small">{boxes.length} ground truth</figcaption>
        </figure>
      )}
    </div>
  );
}

function ImageWithBoxes({ src, width, height, boxes, testId }: { src: string; width: number; height: number; boxes: { x: number; y: number; w: number; h: number; color: string; label: string }[]; testId: string }) {
  const font = Math.max(10, Math.round(Math.max(width, height) / 40));
  return (
    <svg viewBox={`0 0 ${Math.max(1, width)} ${Math.max(1, height)}`} style={{ width: 320, maxWidth: '100%', height: 'auto', background: '#111' }} role="img">
      <image href={src} x={0} y={0} width={width} height={height} />
      {boxes.map((b, i) => (
        <g key={i} data-testid={testId}>
          <rect x={b.x} y={b.y} width={b.w} height={b.h} fill="none" stroke={b.color} strokeWidth={Math.max(1, font / 6)} vectorEffect="non-scaling-stroke" />
          <text x={b.x + 2} y={Math.max(font, b.y - 2)} fill={b.color} fontSize={font}>
            {b.label}
          </text>
        </g>
      ))}
    </svg>
  );
}
