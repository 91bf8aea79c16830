/**
 * A press on empty space: a drag draws a box (shift/ctrl, or select mode: a marquee); a click
 * lets go of the selection, or with none starts a box drawn by two clicks.
 */
import { ToolStateNode, type ToolPointerEvent } from '../state-machine.js';
import type { BoxToolContext } from '../box-tool-context.js';
import { isDrag } from '../box-tool-thresholds.js';

interface PointingCanvasInfo {
  origin: ToolPointerEvent;
  marquee: boolean;
  additive: boolean;
  hadSelection: boolean;
}

export class PointingCanvas extends ToolStateNode<BoxToolContext, PointingCanvasInfo> {
  readonly id = 'pointing_canvas';
  private info!: PointingCanvasInfo;

  override onEnter(info: PointingCanvasInfo): void {
    this.info = info;
  }

  override onPointerMove(e: ToolPointerEvent): void {
    if (!isDrag(e.screen, this.info.origin.screen)) return;
    if (this.info.marquee) this.tool.transition('marquee', { origin: this.info.origin.point, additive: this.info.additive });
    else this.tool.transition('drawing', { anchor: this.info.origin.point, byClicks: false });
    this.tool.pointerMove(e);
  }

  override onPointerUp(): void {
    const { marquee, additive, hadSelection, origin } = this.info;
    if (marquee) {
      if (!additive) this.tool.select([]);
      this.tool.transition('idle');
    } else if (hadSelection) {
      // A click on empty space first lets go of the selection; the next click starts a box.
      this.tool.select([]);
      this.tool.transition('idle');
    } else {
      this.tool.transition('drawing', { anchor: origin.point, byClicks: true });
    }
  }

  override onCancel(): void {
    this.tool.transition('idle');
  }
}
