/** A press on the selected box's handle: a drag resizes the box; a release does nothing. */
import type { Handle } from '../../geometry.js';
import { ToolStateNode, type ToolPointerEvent } from '../state-machine.js';
import type { BoxToolContext } from '../box-tool-context.js';
import { isDrag } from '../box-tool-thresholds.js';

interface PointingHandleInfo {
  id: string;
  handle: Handle;
  origin: ToolPointerEvent;
}

export class PointingHandle extends ToolStateNode<BoxToolContext, PointingHandleInfo> {
  readonly id = 'pointing_handle';
  private info!: PointingHandleInfo;

  override onEnter(info: PointingHandleInfo): void {
    this.info = info;
  }

  override onPointerMove(e: ToolPointerEvent): void {
    if (!isDrag(e.screen, this.info.origin.screen)) return;
    this.tool.transition('resizing', { id: this.info.id, handle: this.info.handle });
    this.tool.pointerMove(e);
  }

  override onPointerUp(): void {
    this.tool.transition('idle');
  }

  override onCancel(): void {
    this.tool.transition('idle');
  }
}
