/**
 * What the box tool's states (box-states/) may ask of the tool: its host and the helpers they
 * share. The states depend on this, not on the BoxTool class, which builds them.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { AnnotationChange, BoxAnnotation } from '@shared';
import type { AnnotationMap } from '../document-store.js';
import type { Handle, Point, Size } from '../geometry.js';
import type { ToolPointerEvent } from './state-machine.js';
import type { ToolStoreState } from './tool-store.js';

export interface BoxToolHost {
  store: StoreApi<ToolStoreState>;
  /** The open image's size; null while none is loaded. */
  image(): Size | null;
  annotations(): AnnotationMap;
  isHidden(classId: number): boolean;
  /** Stage pixels per image pixel. */
  scale(): number;
  newId(): string;
  /** Ends a gesture: applies the changes as one undo step. */
  commit(changes: AnnotationChange[]): void;
}

export interface BoxToolContext {
  readonly host: BoxToolHost;
  transition(id: string, info?: unknown): void;
  pointerMove(e: ToolPointerEvent): void;
  visibleBoxes(): BoxAnnotation[];
  /** The box under the point: the smallest one holding it, so boxes inside boxes can be picked. */
  hitBox(p: Point): BoxAnnotation | null;
  /** The handle of the single selected box under the point. */
  hitSelectedHandle(p: Point): { id: string; handle: Handle } | null;
  selection(): ReadonlySet<string>;
  select(ids: Iterable<string>): void;
  setPreview(preview: ToolStoreState['preview']): void;
  updateHover(p: Point): void;
  /** The smallest box a drag draws, in image pixels. */
  minDrawSize(): number;
}
