/** Resizing one box by a handle, kept inside the image: one undo step. */
import { resizeRect, roundRect, sameRect, rectOf, type Handle, type Rect } from '../../geometry.js';
import { ToolStateNode, type ToolPointerEvent } from '../state-machine.js';
import type { BoxToolContext } from '../box-tool-context.js';
import { MIN_RESIZE_IMAGE_PX } from '../box-tool-thresholds.js';

interface ResizingInfo {
  id: string;
  handle: Handle;
}

export class Resizing extends ToolStateNode<BoxToolContext, ResizingInfo> {
  readonly id = 'resizing';
  private info!: ResizingInfo;
  private start: Rect | null = null;
  private current: Rect | null = null;

  override onEnter(info: ResizingInfo): void {
    this.info = info;
    const a = this.tool.host.annotations().get(info.id);
    this.start = a && a.kind === 'box' ? rectOf(a) : null;
    this.current = this.start;
    if (!this.start) this.tool.transition('idle');
    else this.tool.setPreview({ kind: 'transform', rects: new Map([[info.id, this.start]]) });
  }

  override onPointerMove(e: ToolPointerEvent): void {
    const image = this.tool.host.image();
    if (!this.start || !image) return;
    this.current = resizeRect(this.start, this.info.handle, e.point, image, MIN_RESIZE_IMAGE_PX);
    this.tool.setPreview({ kind: 'transform', rects: new Map([[this.info.id, this.current]]) });
  }

  override onPointerUp(e: ToolPointerEvent): void {
    this.onPointerMove(e);
    if (this.start && this.current) {
      const after = roundRect(this.current);
      if (!sameRect(this.start, after) && after.w > 0 && after.h > 0) {
        const patch: { x?: number; y?: number; w?: number; h?: number } = {};
        for (const k of ['x', 'y', 'w', 'h'] as const) if (Math.abs(after[k] - this.start[k]) > 1e-9) patch[k] = after[k];
        this.tool.host.commit([{ op: 'update', id: this.info.id, patch }]);
      }
    }
    this.tool.transition('idle');
  }

  override onCancel(): void {
    this.tool.transition('idle');
  }
}
