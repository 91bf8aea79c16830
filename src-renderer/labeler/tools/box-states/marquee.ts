/** Selecting the boxes a dragged rectangle touches; Esc gives back the selection there was. */
import { intersects, rectFromPoints, type Point } from '../../geometry.js';
import { ToolStateNode, type ToolPointerEvent } from '../state-machine.js';
import type { BoxToolContext } from '../box-tool-context.js';

interface MarqueeInfo {
  origin: Point;
  additive: boolean;
}

export class Marquee extends ToolStateNode<BoxToolContext, MarqueeInfo> {
  readonly id = 'marquee';
  private origin!: Point;
  private base: ReadonlySet<string> = new Set();
  private before: ReadonlySet<string> = new Set();

  override onEnter(info: MarqueeInfo): void {
    this.origin = info.origin;
    this.before = this.tool.selection();
    this.base = info.additive ? this.before : new Set();
  }

  override onPointerMove(e: ToolPointerEvent): void {
    const rect = rectFromPoints(this.origin, e.point);
    this.tool.setPreview({ kind: 'marquee', rect });
    const hits = this.tool.visibleBoxes().filter((b) => intersects(rect, b));
    this.tool.select([...this.base, ...hits.map((b) => b.id)]);
  }

  override onPointerUp(e: ToolPointerEvent): void {
    this.onPointerMove(e);
    this.tool.transition('idle');
  }

  override onCancel(): void {
    // Esc gives back the selection there was before the marquee.
    this.tool.select(this.before);
    this.tool.transition('idle');
  }
}
