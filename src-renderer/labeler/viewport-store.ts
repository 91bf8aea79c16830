/**
 * The viewport: how the image sits on the stage (zoom and pan), where the pointer hovers, and
 * which classes are hidden. Never recorded in history. This is the only place that converts
 * between stage pixels and image pixels: `stage = image × scale + offset`.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { clamp, type Point, type Rect, type Size } from './geometry.js';

export interface ViewTransform {
  /** Stage pixels per image pixel. */
  scale: number;
  /** Stage position of the image's top-left corner. */
  x: number;
  y: number;
}

export interface ViewportState extends ViewTransform {
  stage: Size;
  image: Size;
  /** True while the view is fitted: a resize of the window fits it again. */
  fitted: boolean;
  /** The pointer over the stage, in image pixels (unclamped); null when it is elsewhere. */
  pointer: Point | null;
  hiddenClassIds: ReadonlySet<number>;

  setStageSize(size: Size): void;
  /** A new image: fit it. */
  setImageSize(size: Size): void;
  fit(): void;
  /** Zooms by `factor` keeping the image point under `stagePoint` where it is. */
  zoomAt(stagePoint: Point, factor: number): void;
  /** Zooms around the stage's centre. */
  zoomBy(factor: number): void;
  panBy(dx: number, dy: number): void;
  setPointer(point: Point | null): void;
  toggleClassHidden(classId: number): void;
  showAllClasses(): void;
}

/** Padding around a fitted image, in stage pixels. */
const FIT_MARGIN = 16;
/** Zoom limits, as stage pixels per image pixel. */
const MAX_SCALE = 40;
const MIN_SCALE_OF_FIT = 0.25;

export function toImagePoint(t: ViewTransform, p: Point): Point {
  return { x: (p.x - t.x) / t.scale, y: (p.y - t.y) / t.scale };
}

export function toStagePoint(t: ViewTransform, p: Point): Point {
  return { x: p.x * t.scale + t.x, y: p.y * t.scale + t.y };
}

export function toStageRect(t: ViewTransform, r: Rect): Rect {
  return { x: r.x * t.scale + t.x, y: r.y * t.scale + t.y, w: r.w * t.scale, h: r.h * t.scale };
}

/** The part of the image the stage shows, in image pixels. */
export function visibleImageRect(t: ViewTransform, stage: Size): Rect {
  return { x: -t.x / t.scale, y: -t.y / t.scale, w: stage.width / t.scale, h: stage.height / t.scale };
}

/** The transform that shows the whole image centred in the stage, with a margin. */
export function fitTransform(image: Size, stage: Size, margin = FIT_MARGIN): ViewTransform {
  if (image.width <= 0 || image.height <= 0 || stage.width <= 0 || stage.height <= 0) return { scale: 1, x: 0, y: 0 };
  const availableW = Math.max(1, stage.width - 2 * margin);
  const availableH = Math.max(1, stage.height - 2 * margin);
  const scale = Math.min(availableW / image.width, availableH / image.height);
  return { scale, x: (stage.width - image.width * scale) / 2, y: (stage.height - image.height * scale) / 2 };
}

function zoomTransform(t: ViewTransform, stagePoint: Point, factor: number, minScale: number, maxScale: number): ViewTransform {
  const scale = clamp(t.scale * factor, minScale, maxScale);
  const anchor = toImagePoint(t, stagePoint);
  return { scale, x: stagePoint.x - anchor.x * scale, y: stagePoint.y - anchor.y * scale };
}

export function createViewportStore(): StoreApi<ViewportState> {
  const minScale = (s: ViewportState) => Math.min(1, fitTransform(s.image, s.stage).scale * MIN_SCALE_OF_FIT);
  return createStore<ViewportState>()((set, get) => ({
    scale: 1,
    x: 0,
    y: 0,
    stage: { width: 0, height: 0 },
    image: { width: 0, height: 0 },
    fitted: true,
    pointer: null,
    hiddenClassIds: new Set(),

    setStageSize(stage) {
      const s = get();
      if (s.stage.width === stage.width && s.stage.height === stage.height) return;
      if (s.fitted) set({ stage, ...fitTransform(s.image, stage) });
      else {
        // Keep the image point at the centre where it was.
        const centre = toImagePoint(s, { x: s.stage.width / 2, y: s.stage.height / 2 });
        set({ stage, x: stage.width / 2 - centre.x * s.scale, y: stage.height / 2 - centre.y * s.scale });
      }
    },

    setImageSize(image) {
      set({ image, fitted: true, ...fitTransform(image, get().stage) });
    },

    fit() {
      const s = get();
      set({ fitted: true, ...fitTransform(s.image, s.stage) });
    },

    zoomAt(stagePoint, factor) {
      const s = get();
      const next = zoomTransform(s, stagePoint, factor, minScale(s), MAX_SCALE);
      if (next.scale === s.scale && next.x === s.x && next.y === s.y) return;
      set({ ...next, fitted: false });
    },

    zoomBy(factor) {
      const s = get();
      s.zoomAt({ x: s.stage.width / 2, y: s.stage.height / 2 }, factor);
    },

    panBy(dx, dy) {
      if (dx === 0 && dy === 0) return;
      const s = get();
      set({ x: s.x + dx, y: s.y + dy, fitted: false });
    },

    setPointer(pointer) {
      const before = get().pointer;
      if (pointer === before || (pointer && before && pointer.x === before.x && pointer.y === before.y)) return;
      set({ pointer });
    },

    toggleClassHidden(classId) {
      const hidden = new Set(get().hiddenClassIds);
      if (hidden.has(classId)) hidden.delete(classId);
      else hidden.add(classId);
      set({ hiddenClassIds: hidden });
    },

    showAllClasses() {
      if (get().hiddenClassIds.size > 0) set({ hiddenClassIds: new Set() });
    },
  }));
}
