/**
 * One image, fitted to the window, with its boxes drawn over it. Boxes are stored in image
 * pixels; here they are scaled by the same factor as the image, and nothing else converts them.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Annotation, BoxAnnotation, ClassDef } from '@shared';
import { STATUS_LABELS } from './FilterBar.js';
import { useSlice, useStudio } from './studio-context.js';

/** Scale that fits `w × h` inside the stage, never zero. */
export function fitScale(w: number, h: number, stageW: number, stageH: number): number {
  if (w <= 0 || h <= 0 || stageW <= 0 || stageH <= 0) return 1;
  return Math.min(stageW / w, stageH / h);
}

export function ImageViewer() {
  const { viewer, grid, project, host } = useStudio();
  const index = useSlice(viewer, (s) => s.index);
  const image = useSlice(viewer, (s) => s.image);
  const annotations = useSlice(viewer, (s) => s.annotations);
  const loading = useSlice(viewer, (s) => s.loading);
  const error = useSlice(viewer, (s) => s.error);
  const total = useSlice(grid, (s) => s.total);
  const classes = useSlice(project, (s) => s.classes);
  const dialog = useRef<HTMLDivElement>(null);
  const stage = useRef<HTMLDivElement>(null);
  const [stageSize, setStageSize] = useState({ width: 0, height: 0 });

  const isOpen = index !== null;

  useEffect(() => {
    if (!isOpen) return;
    const previous = document.activeElement as HTMLElement | null;
    dialog.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const { step, close } = viewer.getState();
      if (e.key === 'Escape') close();
      else if (e.key === 'ArrowRight' || e.key === 'd' || e.key === 'D') void step(1);
      else if (e.key === 'ArrowLeft' || e.key === 'a' || e.key === 'A') void step(-1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
  }, [isOpen, viewer]);

  useLayoutEffect(() => {
    const el = stage.current;
    if (!isOpen || !el) return;
    const observer = new ResizeObserver(() => setStageSize({ width: el.clientWidth, height: el.clientHeight }));
    observer.observe(el);
    setStageSize({ width: el.clientWidth, height: el.clientHeight });
    return () => observer.disconnect();
  }, [isOpen]);

  if (!isOpen) return null;

  const classById = new Map(classes.map((c) => [c.id, c]));
  const scale = image ? fitScale(image.width, image.height, stageSize.width, stageSize.height) : 1;
  const boxes = annotations.filter((a): a is BoxAnnotation => a.kind === 'box');
  const tags = annotations.filter((a) => a.kind === 'tag');
  const { step, close } = viewer.getState();

  return (
    <div className="viewer-backdrop">
      <div className="viewer" role="dialog" aria-modal="true" aria-label={image ? `Image ${image.name}` : 'Image viewer'} data-testid="image-viewer" ref={dialog} tabIndex={-1}>
        <header className="viewer-header">
          <button type="button" onClick={() => void step(-1)} disabled={index === 0} aria-label="Previous image (A or ←)" data-testid="viewer-prev">
            ←
          </button>
          <span className="viewer-position" data-testid="viewer-position">
            {index + 1} / {total ?? '…'}
          </span>
          <button type="button" onClick={() => void step(1)} disabled={total === null || index >= total - 1} aria-label="Next image (D or →)" data-testid="viewer-next">
            →
          </button>
          <h2 className="viewer-title" data-testid="viewer-name">
            {image?.name ?? 'Loading…'}
          </h2>
          <button type="button" className="viewer-close" onClick={close} aria-label="Close the viewer (Esc)" data-testid="viewer-close">
            ✕
          </button>
        </header>
        <div className="viewer-body">
          <div className="viewer-stage" ref={stage}>
            {image && stageSize.width > 0 && (
              <div className="viewer-canvas" style={{ width: image.width * scale, height: image.height * scale }}>
                <img key={image.id} src={host.media('image', image.id)} alt={image.name} draggable={false} data-testid="viewer-image" />
                {boxes.map((box) => (
                  <BoxOutline key={box.id} box={box} scale={scale} cls={classById.get(box.classId)} />
                ))}
              </div>
            )}
            {error && (
              <div className="error-message viewer-error" role="alert" data-testid="viewer-error">
                {error}
              </div>
            )}
          </div>
          <aside className="viewer-info" aria-label="Image details">
            {image && (
              <dl>
                <dt>Size</dt>
                <dd data-testid="viewer-size">
                  {image.width} × {image.height}
                </dd>
                <dt>Status</dt>
                <dd data-testid="viewer-status">{STATUS_LABELS[image.status]}</dd>
                <dt>Split</dt>
                <dd data-testid="viewer-split">{image.split ?? 'not assigned'}</dd>
                <dt>File</dt>
                <dd className="wrap">{formatBytes(image.bytes)}, {image.format}</dd>
                <dt>{tags.length > 0 ? 'Tags' : 'Boxes'}</dt>
                <dd data-testid="viewer-annotation-count">{loading ? '…' : annotations.length}</dd>
              </dl>
            )}
            {tags.length > 0 && (
              <ul className="tag-list" data-testid="viewer-tags">
                {tags.map((t) => (
                  <TagChip key={t.id} tag={t} cls={classById.get(t.classId)} />
                ))}
              </ul>
            )}
            <p className="muted small">A/D or ←/→ to move, Esc to close.</p>
          </aside>
        </div>
      </div>
    </div>
  );
}

function BoxOutline({ box, scale, cls }: { box: BoxAnnotation; scale: number; cls: ClassDef | undefined }) {
  const color = cls?.color ?? '#ffcc00';
  return (
    <div
      className="box-outline"
      style={{ left: box.x * scale, top: box.y * scale, width: box.w * scale, height: box.h * scale, borderColor: color }}
      data-testid="viewer-box"
      data-class-name={cls?.name ?? ''}
    >
      <span className={`box-label${box.y * scale < 18 ? ' inside' : ''}`} style={{ background: color, color: readableOn(color) }}>
        {cls?.name ?? `class ${box.classId}`}
      </span>
    </div>
  );
}

function TagChip({ tag, cls }: { tag: Annotation; cls: ClassDef | undefined }) {
  return (
    <li className="tag-chip" style={{ borderColor: cls?.color }} data-testid="viewer-tag">
      <span className="swatch-dot" style={{ background: cls?.color }} />
      {cls?.name ?? `class ${tag.classId}`}
    </li>
  );
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Black or white, whichever reads better on `#rrggbb`. */
export function readableOn(hex: string): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return '#000';
  const [r, g, b] = m.slice(1).map((h) => parseInt(h, 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.55 ? '#000' : '#fff';
}
