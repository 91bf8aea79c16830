/**
 * A press on a box: a click selects it (shift/ctrl: toggles it); a drag moves the selection or,
 * in draw mode on a box not selected, draws a new box.
 */
import { ToolStateNode, type ToolPointerEvent } from '../state-machine.js';
import type { BoxToolContext } from '../box-tool-context.js';
import { isDrag } from '../box-tool-thresholds.js';

interface PointingBoxInfo {
  id: string;
  origin: ToolPointerEvent;
  wasSelected: boolean;
  /** Shift/ctrl: a click toggles the box in the selection. */
  toggle: boolean;
  /** A drag draws a new box instead of moving this one. */
  dragDraws: boolean;
}

export class PointingBox extends ToolStateNode<BoxToolContext, PointingBoxInfo> {
  readonly id = 'pointing_box';
  private info!: PointingBoxInfo;

  override onEnter(info: PointingBoxInfo): void {
    this.info = info;
  }

  override onPointerMove(e: ToolPointerEvent): void {
    if (!isDrag(e.screen, this.info.origin.screen)) return;
    if (this.info.dragDraws) {
      this.tool.transition('drawing', { anchor: this.info.origin.point, byClicks: false });
    } else {
      this.tool.transition('moving', { origin: this.info.origin.point });
    }
    this.tool.pointerMove(e);
  }

  override onPointerUp(): void {
    const { id, wasSelected, toggle } = this.info;
    if (toggle) {
      if (wasSelected) this.tool.select([...this.tool.selection()].filter((s) => s !== id));
    } else {
      this.tool.select([id]);
    }
    this.tool.transition('idle');
  }

  override onCancel(): void {
    this.tool.transition('idle');
  }
}
