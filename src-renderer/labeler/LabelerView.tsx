/**
 * The labeler: one image over the project, with its boxes (detection) or tags (classification),
 * the classes with their hotkeys, the image's status and split, and the save state. Keys go
 * through `commandFor` → `runCommand`; the canvas reads the session's stores.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { toErrorPayload, type ErrorPayload, type ImageRecord } from '@shared';
import { STATUS_LABELS } from '../ui/FilterBar.js';
import { useSlice, useStores } from '../ui/stores-context.js';
import type { LabelerCanvas } from './canvas/labeler-canvas.js';
import { runCommand, type CommandEnv } from './commands.js';
import { stacksOf } from './history-store.js';
import { commandFor } from './hotkeys.js';
import { LabelerCanvasView } from './LabelerCanvasView.js';
import { LabelerSidebar } from './LabelerSidebar.js';
import { ShortcutSheet } from './ShortcutSheet.js';

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (/^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.isContentEditable);
}

export function LabelerView() {
  const stores = useStores();
  const { viewer, grid, project } = stores;
  const isOpen = useSlice(viewer, (s) => s.isOpen);
  const index = useSlice(viewer, (s) => s.index);
  const image = useSlice(viewer, (s) => s.image);
  const loading = useSlice(viewer, (s) => s.loading);
  const error = useSlice(viewer, (s) => s.error);
  const total = useSlice(grid, (s) => s.total);
  const classes = useSlice(project, (s) => s.classes);
  const info = useSlice(project, (s) => s.project);
  const dialog = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<LabelerCanvas | null>(null);
  const [help, setHelp] = useState(false);
  const [commandError, setCommandError] = useState<ErrorPayload | null>(null);
  const detect = info?.task !== 'classify';

  const close = useCallback(() => viewer.getState().close(), [viewer]);
  const helpOpen = useRef(help);
  helpOpen.current = help;

  useEffect(() => {
    if (!isOpen || !info) return;
    const previous = document.activeElement as HTMLElement | null;
    dialog.current?.focus();
    const env = commandEnv(stores, setHelp, setCommandError);
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      if (isTyping(e.target)) {
        if (e.key === 'Escape') (e.target as HTMLElement).blur();
        return;
      }
      // Another dialog (the export dialog, a confirmation) is on top: its keys are its own.
      const dialogs = document.querySelectorAll('[role=dialog][aria-modal=true]');
      const top = dialogs[dialogs.length - 1];
      if (top && top !== dialog.current && !top.hasAttribute('data-labeler-owned')) return;
      if (e.key === ' ' || e.code === 'Space') {
        e.preventDefault();
        if (!e.repeat) canvasRef.current?.setSpaceDown(true);
        return;
      }
      const command = commandFor(e, { task: info.task, multiLabel: info.multiLabel });
      if (!command) return;
      e.preventDefault();
      // Toggling the shortcut sheet and closing it with Esc come first.
      if (command.type === 'help' || (command.type === 'cancel' && helpOpen.current)) {
        setHelp((h) => !h);
        return;
      }
      void runCommand(command, env);
    };
    const onKeyUp = (e: KeyboardEvent) => {
      if (e.key === ' ' || e.code === 'Space') canvasRef.current?.setSpaceDown(false);
    };
    const onBlur = () => canvasRef.current?.setSpaceDown(false);
    window.addEventListener('keydown', onKeyDown);
    window.addEventListener('keyup', onKeyUp);
    window.addEventListener('blur', onBlur);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      window.removeEventListener('keyup', onKeyUp);
      window.removeEventListener('blur', onBlur);
      previous?.focus?.();
    };
  }, [isOpen, info, stores]);

  if (!isOpen || !info) return null;
  const { step } = viewer.getState();

  return (
    <div className="viewer-backdrop">
      <div className="viewer labeler" role="dialog" aria-modal="true" aria-label={image ? `Label ${image.name}` : 'Labeler'} data-testid="image-viewer" data-task={info.task} ref={dialog} tabIndex={-1}>
        <header className="viewer-header">
          <button type="button" onClick={() => void step(-1)} disabled={index === 0} aria-label="Previous image (A or ←)" title="Previous image (A or ←)" data-testid="viewer-prev">
            ←
          </button>
          <span className="viewer-position" data-testid="viewer-position">
            {index === null ? '–' : index + 1} / {total ?? '…'}
          </span>
          <button type="button" onClick={() => void step(1)} disabled={index !== null && total !== null && index >= total - 1} aria-label="Next image (D or →)" title="Next image (D or →)" data-testid="viewer-next">
            →
          </button>
          <button type="button" className="link-button" onClick={() => void runCommand({ type: 'nextUnlabeled' }, commandEnv(stores, setHelp, setCommandError))} title="Next unlabeled image (N)" data-testid="viewer-next-unlabeled">
            Next unlabeled
          </button>
          <h2 className="viewer-title" data-testid="viewer-name">
            {image?.name ?? 'Loading…'}
          </h2>
          {image && <StatusControls image={image} />}
          <SaveIndicator />
          {detect && <Toolbar />}
          <button type="button" className="link-button" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts (?)" title="Keyboard shortcuts (?)" data-testid="labeler-help">
            ?
          </button>
          <button type="button" className="viewer-close" onClick={close} aria-label="Close the labeler (Esc)" data-testid="viewer-close">
            ✕
          </button>
        </header>
        <div className="viewer-body">
          <div className="viewer-stage labeler-stage" data-testid="labeler-stage" data-loading={loading ? 'true' : 'false'}>
            <LabelerCanvasView image={image} classes={classes} editable={detect} canvasRef={canvasRef} />
            <Notice />
            {error && (
              <div className="error-message viewer-error" role="alert" data-testid="viewer-error">
                {error}
              </div>
            )}
          </div>
          <LabelerSidebar image={image} classes={classes} loading={loading} commandError={commandError} clearCommandError={() => setCommandError(null)} />
        </div>
      </div>
      {help && <ShortcutSheet task={info.task} multiLabel={info.multiLabel} onClose={() => setHelp(false)} />}
    </div>
  );
}

function commandEnv(stores: ReturnType<typeof useStores>, setHelp: (f: (h: boolean) => boolean) => void, setError: (e: ErrorPayload | null) => void): CommandEnv {
  return {
    session: stores.labeler,
    viewer: stores.viewer,
    classes: () => stores.project.getState().classes,
    project: () => stores.project.getState().project,
    toggleHelp: () => setHelp((h) => !h),
    close: () => stores.viewer.getState().close(),
    report: (err) => setError(toErrorPayload(err)),
  };
}

function Toolbar() {
  const { labeler } = useStores();
  const mode = useSlice(labeler.tool, (s) => s.mode);
  const imageId = useSlice(labeler.document, (s) => s.imageId);
  const canUndo = useSlice(labeler.history, (s) => stacksOf(s, imageId).past.length > 0);
  const canRedo = useSlice(labeler.history, (s) => stacksOf(s, imageId).future.length > 0);
  const percent = useSlice(labeler.viewport, (s) => Math.round(s.scale * 100));
  const [copying, setCopying] = useState(false);
  return (
    <div className="labeler-toolbar" role="toolbar" aria-label="Tools">
      <div className="segmented">
        <button type="button" className={mode === 'draw' ? 'active' : ''} aria-pressed={mode === 'draw'} onClick={() => labeler.tool.getState().setMode('draw')} title="Draw boxes (B)" data-testid="tool-draw">
          Draw
        </button>
        <button type="button" className={mode === 'select' ? 'active' : ''} aria-pressed={mode === 'select'} onClick={() => labeler.tool.getState().setMode('select')} title="Select and move (V)" data-testid="tool-select">
          Select
        </button>
      </div>
      <button type="button" onClick={() => labeler.undo()} disabled={!canUndo} title="Undo (Ctrl+Z)" aria-label="Undo" data-testid="undo">
        ↶
      </button>
      <button type="button" onClick={() => labeler.redo()} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)" aria-label="Redo" data-testid="redo">
        ↷
      </button>
      <button
        type="button"
        disabled={copying}
        onClick={() => {
          setCopying(true);
          void labeler.copyFromPrevious().finally(() => setCopying(false));
        }}
        title="Copy every box of the previous image (Ctrl+Shift+V)"
        data-testid="copy-previous"
      >
        Copy previous
      </button>
      <button type="button" onClick={() => labeler.viewport.getState().fit()} title="Fit to window (F or 0)" data-testid="zoom-fit">
        <span className="zoom-readout" data-testid="zoom-readout">
          {percent}%
        </span>
      </button>
    </div>
  );
}

function SaveIndicator() {
  const { labeler } = useStores();
  const status = useSlice(labeler.autosave, (s) => s.status);
  const error = useSlice(labeler.autosave, (s) => s.error);
  const text = status === 'saving' ? 'Saving…' : status === 'saved' ? 'Saved' : status === 'retrying' ? 'Failed — retrying' : status === 'failed' ? 'Not saved' : '';
  return (
    <span className={`save-indicator save-${status}`} role="status" aria-live="polite" data-testid="save-status" data-status={status} title={error ?? undefined}>
      {text}
    </span>
  );
}

function Notice() {
  const { labeler } = useStores();
  const notice = useSlice(labeler.tool, (s) => s.notice);
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => labeler.tool.getState().setNotice(null), 4000);
    return () => clearTimeout(timer);
  }, [notice, labeler]);
  if (!notice) return null;
  return (
    <div className="labeler-notice" role="status" data-testid="labeler-notice">
      {notice}
    </div>
  );
}

function StatusControls({ image }: { image: ImageRecord }) {
  const { viewer } = useStores();
  const [error, setError] = useState<ErrorPayload | null>(null);
  const set = (status: 'done' | 'review') => {
    setError(null);
    viewer
      .getState()
      .setStatus(image.status === status ? 'in_progress' : status)
      .catch((err: unknown) => setError(toErrorPayload(err)));
  };
  return (
    <div className="status-controls">
      <span className={`status-chip status-chip-${image.status}`} data-testid="labeler-status" data-status={image.status}>
        <span className={`status-dot status-${image.status}`} />
        {STATUS_LABELS[image.status]}
      </span>
      <button type="button" className={image.status === 'done' ? 'active' : ''} aria-pressed={image.status === 'done'} onClick={() => set('done')} title="Mark done (M, or Ctrl+Enter to mark and go on)" data-testid="mark-done">
        Done
      </button>
      <button type="button" className={image.status === 'review' ? 'active' : ''} aria-pressed={image.status === 'review'} onClick={() => set('review')} title="Needs review (R)" data-testid="mark-review">
        Review
      </button>
      {error && <span className="error-text small" role="alert">{error.message}</span>}
    </div>
  );
}
