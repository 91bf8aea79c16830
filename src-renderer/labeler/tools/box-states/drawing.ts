/** Drawing a new box by a drag or by two clicks: one undo step, nothing for a slip or without a class. */
import { clampPoint, clipRect, rectFromPoints, roundRect, type Point, type Rect } from '../../geometry.js';
import { ToolStateNode, type ToolPointerEvent } from '../state-machine.js';
import type { BoxToolContext } from '../box-tool-context.js';

interface DrawingInfo {
  anchor: Point;
  /** Drawn by two clicks: the first set the anchor, the second (down and up) ends the box. */
  byClicks: boolean;
}

export class Drawing extends ToolStateNode<BoxToolContext, DrawingInfo> {
  readonly id = 'drawing';
  private anchor!: Point;
  private byClicks = false;
  private secondPress = false;

  override onEnter(info: DrawingInfo): void {
    const image = this.tool.host.image();
    this.anchor = image ? clampPoint(info.anchor, image) : info.anchor;
    this.byClicks = info.byClicks;
    this.secondPress = false;
    this.tool.setPreview({ kind: 'draw', rect: { x: this.anchor.x, y: this.anchor.y, w: 0, h: 0 } });
  }

  private rectTo(p: Point): Rect {
    const image = this.tool.host.image();
    return rectFromPoints(this.anchor, image ? clampPoint(p, image) : p);
  }

  override onPointerMove(e: ToolPointerEvent): void {
    this.tool.setPreview({ kind: 'draw', rect: this.rectTo(e.point) });
  }

  override onPointerDown(e: ToolPointerEvent): void {
    if (this.byClicks) this.secondPress = true;
    this.onPointerMove(e);
  }

  override onPointerUp(e: ToolPointerEvent): void {
    if (this.byClicks && !this.secondPress) return;
    this.finish(this.rectTo(e.point));
  }

  override onCancel(): void {
    this.tool.transition('idle');
  }

  private finish(raw: Rect): void {
    const tool = this.tool;
    const image = tool.host.image();
    const min = tool.minDrawSize();
    const rect = image ? clipRect(raw, image, 0) : raw;
    if (!rect || rect.w < min || rect.h < min) {
      tool.transition('idle');
      return;
    }
    const classId = tool.host.store.getState().activeClassId;
    if (classId === null) {
      tool.host.store.getState().setNotice('Add a class first: boxes need one.');
      tool.transition('idle');
      return;
    }
    const id = tool.host.newId();
    const r = roundRect(rect);
    tool.host.commit([{ op: 'create', annotation: { id, classId, kind: 'box', x: r.x, y: r.y, w: r.w, h: r.h, source: 'manual' } }]);
    tool.select([id]);
    tool.transition('idle');
  }
}
