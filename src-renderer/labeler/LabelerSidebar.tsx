/**
 * The labeler's side panel: the classes with their hotkeys (pick, hide; in classification, the
 * tags), the selected boxes, and the image's details with its split pin.
 */
import { useEffect, useState } from 'react';
import { SPLITS, type ClassDef, type ErrorPayload, type ImageRecord, type Split } from '@shared';
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { STATUS_LABELS } from '../ui/FilterBar.js';
import { formatBytes } from '../ui/format.js';
import { useSlice, useStores } from '../ui/stores-context.js';
import './labeler.css';

export function LabelerSidebar({ image, classes, loading, commandError, clearCommandError }: { image: ImageRecord | null; classes: readonly ClassDef[]; loading: boolean; commandError: ErrorPayload | null; clearCommandError: () => void }) {
  const { labeler, project } = useStores();
  const info = useSlice(project, (s) => s.project);
  const annotations = useSlice(labeler.document, (s) => s.byId);
  const docImage = useSlice(labeler.document, (s) => s.imageId);
  const detect = info?.task !== 'classify';
  const perClass = new Map<number, number>();
  for (const a of annotations.values()) perClass.set(a.classId, (perClass.get(a.classId) ?? 0) + 1);
  const count = annotations.size;
  const ready = docImage !== null && docImage === image?.id;
  return (
    <aside className="viewer-info labeler-side" aria-label="Classes and image details">
      <ErrorMessage error={commandError} testId="labeler-error" onDismiss={clearCommandError} />
      {detect ? <BoxClasses classes={classes} perClass={perClass} /> : <TagClasses classes={classes} perClass={perClass} multiLabel={info?.multiLabel ?? false} />}
      {detect && <SelectionPanel classes={classes} />}
      <SuggestionsPanel imageId={ready ? docImage : null} classes={classes} />
      {image && (
        <dl className="image-details">
          <dt>Size</dt>
          <dd data-testid="viewer-size">
            {image.width} × {image.height}
          </dd>
          <dt>Status</dt>
          <dd data-testid="viewer-status">{STATUS_LABELS[image.status]}</dd>
          <dt>Split</dt>
          <dd>
            <SplitPin image={image} />
          </dd>
          <dt>File</dt>
          <dd className="wrap">
            {formatBytes(image.bytes)}, {image.format}
          </dd>
          <dt>{detect ? 'Boxes' : 'Tags'}</dt>
          <dd data-testid="viewer-annotation-count">{loading || !ready ? '…' : count}</dd>
        </dl>
      )}
      <p className="muted small">{detect ? 'Drag to draw. 1–9 pick a class. ? lists every key.' : info?.multiLabel ? '1–9 add or remove a tag; Enter or D goes on. ? lists every key.' : '1–9 tag the image and go on. ? lists every key.'}</p>
    </aside>
  );
}

function BoxClasses({ classes, perClass }: { classes: readonly ClassDef[]; perClass: Map<number, number> }) {
  const { labeler } = useStores();
  const active = useSlice(labeler.tool, (s) => s.activeClassId);
  const hidden = useSlice(labeler.viewport, (s) => s.hiddenClassIds);
  if (classes.length === 0) return <p className="muted small">No classes yet: add one in the project's class list to draw boxes.</p>;
  return (
    <ul className="labeler-classes" aria-label="Classes">
      {classes.map((c, i) => (
        <li key={c.id} className={`labeler-class${active === c.id ? ' active' : ''}${hidden.has(c.id) ? ' hidden-class' : ''}`} data-testid="labeler-class" data-class-id={c.id} data-class-name={c.name} data-active={active === c.id}>
          <button type="button" className="labeler-class-pick" onClick={() => labeler.setClass(c.id)} title={i < 9 ? `${c.name} (${i + 1})` : c.name}>
            <span className="hotkey">{i < 9 ? i + 1 : ''}</span>
            <span className="swatch-dot" style={{ background: c.color }} />
            <span className="labeler-class-name">{c.name}</span>
            <span className="class-count">{perClass.get(c.id) ?? 0}</span>
          </button>
          <button
            type="button"
            className="link-button eye"
            onClick={() => labeler.viewport.getState().toggleClassHidden(c.id)}
            aria-pressed={hidden.has(c.id)}
            aria-label={hidden.has(c.id) ? `Show ${c.name}` : `Hide ${c.name}`}
            title={hidden.has(c.id) ? `Show ${c.name}${i < 9 ? ` (Shift+${i + 1})` : ''}` : `Hide ${c.name}${i < 9 ? ` (Shift+${i + 1})` : ''}`}
            data-testid="labeler-class-visibility"
          >
            {hidden.has(c.id) ? '◌' : '●'}
          </button>
        </li>
      ))}
    </ul>
  );
}

function TagClasses({ classes, perClass, multiLabel }: { classes: readonly ClassDef[]; perClass: Map<number, number>; multiLabel: boolean }) {
  const { labeler } = useStores();
  if (classes.length === 0) return <p className="muted small">No classes yet: add the tags images can get in the project's class list.</p>;
  const tagged = classes.filter((c) => (perClass.get(c.id) ?? 0) > 0);
  return (
    <>
      <ul className="labeler-classes" aria-label={multiLabel ? 'Tags (several per image)' : 'Tag (one per image)'}>
        {classes.map((c, i) => {
          const on = (perClass.get(c.id) ?? 0) > 0;
          return (
            <li key={c.id} className={`labeler-class${on ? ' active' : ''}`} data-testid="labeler-class" data-class-id={c.id} data-class-name={c.name} data-active={on}>
              <button type="button" className="labeler-class-pick" onClick={() => labeler.tag(c.id)} aria-pressed={on} title={i < 9 ? `${c.name} (${i + 1})` : c.name}>
                <span className="hotkey">{i < 9 ? i + 1 : ''}</span>
                <span className="swatch-dot" style={{ background: c.color }} />
                <span className="labeler-class-name">{c.name}</span>
                {on && <span className="check">✓</span>}
              </button>
            </li>
          );
        })}
      </ul>
      {tagged.length > 0 && (
        <ul className="tag-list" data-testid="viewer-tags">
          {tagged.map((c) => (
            <li key={c.id} className="tag-chip" style={{ borderColor: c.color }} data-testid="viewer-tag" data-class-name={c.name}>
              <span className="swatch-dot" style={{ background: c.color }} />
              {c.name}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function SelectionPanel({ classes }: { classes: readonly ClassDef[] }) {
  const { labeler } = useStores();
  const selected = useSlice(labeler.tool, (s) => s.selectedIds);
  const annotations = useSlice(labeler.document, (s) => s.byId);
  if (selected.size === 0) return null;
  const boxes = [...selected].map((id) => annotations.get(id)).filter((a) => a?.kind === 'box');
  if (boxes.length === 0) return null;
  const classIds = new Set(boxes.map((b) => b!.classId));
  const single = boxes.length === 1 && boxes[0]!.kind === 'box' ? boxes[0] : null;
  return (
    <section className="selection-panel" data-testid="selection-panel">
      <h3 className="small">{boxes.length === 1 ? 'Selected box' : `${boxes.length} boxes selected`}</h3>
      <label className="field-inline">
        <span className="muted small">Class</span>
        <select value={classIds.size === 1 ? String([...classIds][0]) : ''} onChange={(e) => e.target.value && labeler.setClass(Number(e.target.value))} data-testid="selection-class">
          {classIds.size !== 1 && <option value="">(several)</option>}
          {classes.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      {single && single.kind === 'box' && (
        <p className="muted small mono" data-testid="selection-geometry">
          x {single.x.toFixed(0)}, y {single.y.toFixed(0)}, {single.w.toFixed(0)} × {single.h.toFixed(0)} px
        </p>
      )}
      <button type="button" className="danger-button" onClick={() => labeler.deleteSelection()} data-testid="selection-delete">
        Delete {boxes.length === 1 ? 'box' : `${boxes.length} boxes`}
      </button>
    </section>
  );
}

function SplitPin({ image }: { image: ImageRecord }) {
  const { api } = useStores().host;
  const { viewer } = useStores();
  const [error, setError] = useState<string | null>(null);
  const value = image.splitPinned && image.split ? image.split : '';
  const pin = async (split: Split | null) => {
    setError(null);
    try {
      await api.splits.pin({ ids: [image.id], split });
      const fresh = await api.images.get({ id: image.id });
      viewer.getState().patchImage(image.id, { split: fresh.split, splitPinned: fresh.splitPinned });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <span className="split-pin">
      <span data-testid="viewer-split">{image.split ?? 'not assigned'}</span>
      <select value={value} onChange={(e) => void pin(e.target.value ? (e.target.value as Split) : null)} aria-label="Pin this image to a split" data-testid="viewer-split-pin">
        <option value="">{image.splitPinned ? 'unpin' : 'not pinned'}</option>
        {SPLITS.map((s) => (
          <option key={s} value={s}>
            pin to {s}
          </option>
        ))}
      </select>
      {error && <span className="error-text small">{error}</span>}
    </span>
  );
}

/**
 * The open image's model suggestions: accept or reject each, or accept all above a confidence.
 * The one `Y` accepts and `X` rejects (the picked one, else the first) wears a Y; a click on a
 * suggestion picks it.
 */
function SuggestionsPanel({ imageId, classes }: { imageId: number | null; classes: readonly ClassDef[] }) {
  const { labeler, host } = useStores();
  const store = labeler.suggestions;
  const items = useSlice(store, (s) => s.items);
  const busy = useSlice(store, (s) => s.busy);
  const error = useSlice(store, (s) => s.error);
  const picked = useSlice(labeler.tool, (s) => s.suggestionId);
  const [min, setMin] = useState(0.5);

  useEffect(() => {
    void store.getState().load(imageId);
    if (imageId === null) return;
    return host.api.suggestions.onChanged((e) => {
      if (e.imageId === imageId) void store.getState().load(imageId);
    });
  }, [store, host, imageId]);

  if (imageId === null || (items.length === 0 && !error)) return null;
  const name = (id: number) => classes.find((c) => c.id === id)?.name ?? `class ${id}`;
  const next = items.find((sg) => sg.id === picked) ?? items[0];
  return (
    <section className="labeler-suggestions" aria-label="Model suggestions" data-testid="labeler-suggestions">
      <h4>Suggestions ({items.length})</h4>
      {error && (
        <p className="error-message" role="alert">
          {error}
        </p>
      )}
      <ul>
        {items.map((sg) => (
          <li key={sg.id} className={sg === next ? 'next-suggestion' : undefined} data-testid="labeler-suggestion" data-suggestion-id={sg.id} data-next={sg === next}>
            <button
              type="button"
              className="link-button suggestion-pick"
              aria-pressed={sg.id === picked}
              onClick={() => labeler.tool.getState().pickSuggestion(sg.id === picked ? null : sg.id)}
              title="Pick for Y (accept) and X (reject)"
              data-testid="suggestion-pick"
            >
              {name(sg.classId)} {sg.confidence.toFixed(2)}
            </button>{' '}
            {sg === next && (
              <kbd className="suggestion-key" title="Y accepts this one, X rejects it">
                Y
              </kbd>
            )}{' '}
            <button type="button" disabled={busy} onClick={() => void store.getState().accept([sg.id])} data-testid="suggestion-accept">
              Accept
            </button>{' '}
            <button type="button" disabled={busy} onClick={() => void store.getState().reject([sg.id])} data-testid="suggestion-reject">
              Reject
            </button>
          </li>
        ))}
      </ul>
      <label className="small">
        ≥ <input type="number" min={0} max={1} step={0.05} value={min} onChange={(e) => setMin(Math.min(1, Math.max(0, Number(e.target.value) || 0)))} data-testid="suggestion-min" style={{ width: '4em' }} />
      </label>{' '}
      <button type="button" disabled={busy || !items.some((sg) => sg.confidence >= min)} onClick={() => void store.getState().acceptAbove(min)} data-testid="suggestion-accept-above">
        Accept all ≥ {min.toFixed(2)}
      </button>
    </section>
  );
}
