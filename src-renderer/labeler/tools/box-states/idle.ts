/** The box tool at rest: hover feedback, and what a press starts (on a handle, a box, or empty space). */
import { ToolStateNode, type ToolPointerEvent } from '../state-machine.js';
import type { BoxToolContext } from '../box-tool-context.js';

export class Idle extends ToolStateNode<BoxToolContext> {
  readonly id = 'idle';

  override onEnter(): void {
    this.tool.setPreview(null);
  }

  override onPointerMove(e: ToolPointerEvent): void {
    this.tool.updateHover(e.point);
  }

  override onPointerDown(e: ToolPointerEvent): void {
    const tool = this.tool;
    if (!tool.host.image()) return;
    const { mode } = tool.host.store.getState();
    const handle = tool.hitSelectedHandle(e.point);
    if (handle) {
      tool.transition('pointing_handle', { ...handle, origin: e });
      return;
    }
    const box = tool.hitBox(e.point);
    if (box) {
      const selected = tool.selection().has(box.id);
      if (e.shift || e.mod) {
        // Shift-click adds to the selection (and takes away on release, if it was there).
        if (!selected) tool.select([...tool.selection(), box.id]);
        tool.transition('pointing_box', { id: box.id, origin: e, wasSelected: selected, toggle: true, dragDraws: false });
        return;
      }
      // In draw mode a drag that starts on a box that is not selected draws a new box (boxes
      // inside boxes are common); a click selects it. A selected box is moved by a drag.
      const dragDraws = mode === 'draw' && !selected;
      if (!selected && !dragDraws) tool.select([box.id]);
      tool.transition('pointing_box', { id: box.id, origin: e, wasSelected: selected, toggle: false, dragDraws });
      return;
    }
    const marquee = mode === 'select' || e.shift || e.mod;
    tool.transition('pointing_canvas', { origin: e, marquee, additive: e.shift || e.mod, hadSelection: tool.selection().size > 0 });
  }
}
