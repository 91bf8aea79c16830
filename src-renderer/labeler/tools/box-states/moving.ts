/** Moving the selected boxes together, kept inside the image: one undo step. */
import type { AnnotationChange } from '@shared';
import { clampGroupDelta, roundRect, sameRect, rectOf, type Point, type Rect } from '../../geometry.js';
import { ToolStateNode, type ToolPointerEvent } from '../state-machine.js';
import type { BoxToolContext } from '../box-tool-context.js';

interface MovingInfo {
  origin: Point;
}

export class Moving extends ToolStateNode<BoxToolContext, MovingInfo> {
  readonly id = 'moving';
  private origin!: Point;
  private start = new Map<string, Rect>();
  private current = new Map<string, Rect>();

  override onEnter(info: MovingInfo): void {
    this.origin = info.origin;
    this.start = new Map();
    const annotations = this.tool.host.annotations();
    for (const id of this.tool.selection()) {
      const a = annotations.get(id);
      if (a && a.kind === 'box' && !this.tool.host.isHidden(a.classId)) this.start.set(id, rectOf(a));
    }
    this.current = new Map(this.start);
    this.tool.setPreview({ kind: 'transform', rects: this.current });
  }

  override onPointerMove(e: ToolPointerEvent): void {
    const image = this.tool.host.image();
    if (!image) return;
    const d = clampGroupDelta(this.start.values(), e.point.x - this.origin.x, e.point.y - this.origin.y, image);
    const rects = new Map<string, Rect>();
    for (const [id, r] of this.start) rects.set(id, { x: r.x + d.x, y: r.y + d.y, w: r.w, h: r.h });
    this.current = rects;
    this.tool.setPreview({ kind: 'transform', rects });
  }

  override onPointerUp(e: ToolPointerEvent): void {
    this.onPointerMove(e);
    const changes: AnnotationChange[] = [];
    for (const [id, r] of this.current) {
      const before = this.start.get(id)!;
      const after = roundRect(r);
      if (sameRect(before, after)) continue;
      changes.push({ op: 'update', id, patch: { x: after.x, y: after.y } });
    }
    if (changes.length > 0) this.tool.host.commit(changes);
    this.tool.transition('idle');
  }

  override onCancel(): void {
    this.tool.transition('idle');
  }
}
