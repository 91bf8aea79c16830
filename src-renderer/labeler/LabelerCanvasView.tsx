/**
 * Mounts the Konva stage for the open image, and beside it an invisible, accessible mirror of
 * the image and its boxes (screen readers list them; tests find them where they are drawn). The
 * mirror follows the view with one CSS transform and holds at most MIRROR_MAX_BOXES boxes.
 */
import { useEffect, useRef, useState, type MutableRefObject } from 'react';
import type { Annotation, BoxAnnotation, ClassDef, ImageRecord } from '@shared';
import { useSlice, useStores } from '../ui/stores-context.js';
import { LabelerCanvas } from './canvas/labeler-canvas.js';
import { needsPreview, type ImageSources } from './canvas/image-source.js';

type PictureState = 'loading' | 'preview' | 'full' | 'error';

function pictureState(s: ImageSources): PictureState {
  if (s.full) return 'full';
  if (s.error) return 'error';
  return s.preview ? 'preview' : 'loading';
}

const MIRROR_MAX_BOXES = 300;

/** What tests and benches read and drive: the canvas state, in image pixels. */
interface LabelerTestHook {
  imageId(): number | null;
  boxes(): { id: string; classId: number; x: number; y: number; w: number; h: number }[];
  tags(): { id: string; classId: number }[];
  /** The open image's pending model suggestions. */
  suggestions(): { id: string; classId: number; confidence: number; kind: string }[];
  selected(): string[];
  toolState(): string;
  viewport(): { scale: number; x: number; y: number };
  /** Page coordinates of an image point. */
  clientPoint(x: number, y: number): { x: number; y: number };
  paint(): { at: number; drawn: number; version: number; paints: number; ms: number; totalMs: number };
  sources(): { preview: boolean; full: boolean; previewWidth: number | null; fullWidth: number | null };
  saving(): { status: string; pending: number; error: string | null };
}

declare global {
  interface Window {
    __reticleLabeler?: LabelerTestHook;
  }
}

export function LabelerCanvasView({ image, classes, editable, canvasRef }: { image: ImageRecord | null; classes: readonly ClassDef[]; editable: boolean; canvasRef: MutableRefObject<LabelerCanvas | null> }) {
  const { labeler, host } = useStores();
  const hostEl = useRef<HTMLDivElement>(null);
  const mirror = useRef<HTMLDivElement>(null);
  const annotations = useSlice(labeler.document, (s) => s.byId);
  const [picture, setPicture] = useState<PictureState>('loading');

  useEffect(() => {
    const el = hostEl.current;
    if (!el) return;
    const canvas = new LabelerCanvas(el, { session: labeler, media: host.media, editable, onSources: (sources) => setPicture(pictureState(sources)) });
    canvasRef.current = canvas;
    window.__reticleLabeler = {
      imageId: () => labeler.document.getState().imageId,
      boxes: () => [...labeler.document.getState().byId.values()].filter((a): a is BoxAnnotation => a.kind === 'box').map(({ id, classId, x, y, w, h }) => ({ id, classId, x, y, w, h })),
      suggestions: () => labeler.suggestions.getState().items.map((sg) => ({ id: sg.id, classId: sg.classId, confidence: sg.confidence, kind: sg.kind })),
      tags: () => [...labeler.document.getState().byId.values()].filter((a) => a.kind === 'tag').map(({ id, classId }) => ({ id, classId })),
      selected: () => [...labeler.tool.getState().selectedIds],
      toolState: () => labeler.tool.getState().state,
      viewport: () => {
        const { scale, x, y } = labeler.viewport.getState();
        return { scale, x, y };
      },
      clientPoint: (x, y) => canvas.clientPoint({ x, y }),
      paint: () => ({ ...canvas.paint }),
      sources: () => {
        const s = canvas.sources;
        return { preview: s.preview !== null, full: s.full !== null, previewWidth: s.preview?.width ?? null, fullWidth: s.full?.width ?? null };
      },
      saving: () => {
        const { status, pending, error } = labeler.autosave.getState();
        return { status, pending, error };
      },
    };
    return () => {
      canvas.dispose();
      canvasRef.current = null;
      delete window.__reticleLabeler;
    };
  }, [labeler, host, editable, canvasRef]);

  useEffect(() => {
    canvasRef.current?.setImage(image);
  }, [image, canvasRef]);

  useEffect(() => {
    canvasRef.current?.setClasses(classes);
  }, [classes, canvasRef]);

  // The mirror follows the view with a single transform, without a React render per frame.
  useEffect(() => {
    const apply = () => {
      const { scale, x, y } = labeler.viewport.getState();
      if (mirror.current) mirror.current.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
    };
    apply();
    return labeler.viewport.subscribe((s, prev) => {
      if (s.scale !== prev.scale || s.x !== prev.x || s.y !== prev.y) apply();
    });
  }, [labeler]);

  const classById = new Map(classes.map((c) => [c.id, c]));
  const boxes: BoxAnnotation[] = [];
  for (const a of annotations.values()) if (a.kind === 'box') boxes.push(a);
  const mirrored = boxes.length <= MIRROR_MAX_BOXES ? boxes : [];

  return (
    <>
      <div className="labeler-konva" ref={hostEl} data-testid="labeler-canvas" data-picture={picture} />
      {picture === 'preview' && (
        <div className="labeler-picture-note" role="status">
          Loading full resolution…
        </div>
      )}
      {picture === 'error' && (
        <div className="error-message labeler-picture-note" role="alert" data-testid="labeler-picture-error">
          The picture could not be loaded; its boxes are still here.
        </div>
      )}
      {image && (
        <div className="labeler-mirror" ref={mirror} style={{ width: image.width, height: image.height }} aria-label={`${boxes.length} boxes`} role="list">
          <img
            key={image.id}
            src={host.media(needsPreview(image) ? 'preview' : 'image', image.id)}
            alt={image.name}
            draggable={false}
            data-testid="viewer-image"
            style={{ width: image.width, height: image.height }}
          />
          {mirrored.map((box) => (
            <MirrorBox key={box.id} box={box} cls={classById.get(box.classId)} />
          ))}
        </div>
      )}
    </>
  );
}

function MirrorBox({ box, cls }: { box: Annotation & { kind: 'box' }; cls: ClassDef | undefined }) {
  const name = cls?.name ?? `class ${box.classId}`;
  return (
    <div
      className="labeler-mirror-box"
      role="listitem"
      style={{ left: box.x, top: box.y, width: box.w, height: box.h }}
      data-testid="viewer-box"
      data-box-id={box.id}
      data-class-name={cls?.name ?? ''}
    >
      {name}
    </div>
  );
}
