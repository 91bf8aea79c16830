import { describe, expect, it } from 'vitest';
import type { AnnotationChange, BoxAnnotation } from '@shared';
import { createDocumentStore } from '../../../../src-renderer/labeler/document-store.js';
import { BoxTool } from '../../../../src-renderer/labeler/tools/box-tool.js';
import type { ToolPointerEvent } from '../../../../src-renderer/labeler/tools/state-machine.js';
import { createToolStore, type ToolMode } from '../../../../src-renderer/labeler/tools/tool-store.js';
import type { Handle } from '../../../../src-renderer/labeler/geometry.js';

function box(id: string, x: number, y: number, w: number, h: number, classId = 1): BoxAnnotation {
  return { id, imageId: 1, classId, kind: 'box', x, y, w, h, source: 'manual' };
}

/** A box tool over a 1000 × 800 image at `scale` stage pixels per image pixel, the view at the origin. */
function harness(options: { boxes?: BoxAnnotation[]; scale?: number; mode?: ToolMode; hidden?: number[] } = {}) {
  const scale = options.scale ?? 1;
  const store = createToolStore();
  store.setState({ activeClassId: 2, mode: options.mode ?? 'draw' });
  const doc = createDocumentStore();
  doc.getState().load(1, options.boxes ?? []);
  const commits: AnnotationChange[][] = [];
  let n = 0;
  const hidden = new Set(options.hidden ?? []);
  const tool = new BoxTool({
    store,
    image: () => ({ width: 1000, height: 800 }),
    annotations: () => doc.getState().byId,
    isHidden: (classId) => hidden.has(classId),
    scale: () => scale,
    newId: () => `new-${++n}`,
    commit: (changes) => {
      commits.push(changes);
      doc.getState().apply(changes);
    },
  });
  const ev = (x: number, y: number, mods: Partial<ToolPointerEvent> = {}): ToolPointerEvent => ({ point: { x, y }, screen: { x: x * scale, y: y * scale }, shift: false, mod: false, alt: false, ...mods });
  const drag = (from: [number, number], to: [number, number], mods: Partial<ToolPointerEvent> = {}) => {
    tool.pointerDown(ev(...from, mods));
    tool.pointerMove(ev((from[0] + to[0]) / 2, (from[1] + to[1]) / 2, mods));
    tool.pointerMove(ev(...to, mods));
    tool.pointerUp(ev(...to, mods));
  };
  const click = (x: number, y: number, mods: Partial<ToolPointerEvent> = {}) => {
    tool.pointerDown(ev(x, y, mods));
    tool.pointerUp(ev(x, y, mods));
  };
  const boxes = () => [...doc.getState().byId.values()] as BoxAnnotation[];
  const get = (id: string) => doc.getState().byId.get(id) as BoxAnnotation;
  const selected = () => [...store.getState().selectedIds].sort();
  return { tool, store, doc, commits, ev, drag, click, boxes, get, selected };
}

describe('box tool: drawing', () => {
  it('draws a box with a drag, in the active class, and selects it', () => {
    const h = harness();
    h.drag([100, 120], [300, 220]);
    expect(h.commits).toHaveLength(1);
    expect(h.boxes()).toEqual([expect.objectContaining({ id: 'new-1', classId: 2, x: 100, y: 120, w: 200, h: 100 })]);
    expect(h.selected()).toEqual(['new-1']);
    expect(h.tool.state).toBe('idle');
    expect(h.store.getState().preview).toBeNull();
  });

  it('draws from any corner: a drag up and left gives the same box', () => {
    const h = harness();
    h.drag([300, 220], [100, 120]);
    expect(h.boxes()[0]).toMatchObject({ x: 100, y: 120, w: 200, h: 100 });
  });

  it('shows the box being drawn as a preview until the pointer is released', () => {
    const h = harness();
    h.tool.pointerDown(h.ev(10, 10));
    h.tool.pointerMove(h.ev(60, 50));
    expect(h.tool.state).toBe('drawing');
    expect(h.store.getState().preview).toEqual({ kind: 'draw', rect: { x: 10, y: 10, w: 50, h: 40 } });
    expect(h.commits).toHaveLength(0);
  });

  it('draws a box with two clicks, following the pointer in between', () => {
    const h = harness();
    h.click(50, 60);
    expect(h.tool.state).toBe('drawing');
    h.tool.pointerMove(h.ev(150, 100));
    expect(h.store.getState().preview).toMatchObject({ kind: 'draw', rect: { x: 50, y: 60, w: 100, h: 40 } });
    h.click(250, 160);
    expect(h.boxes()).toEqual([expect.objectContaining({ x: 50, y: 60, w: 200, h: 100 })]);
    expect(h.commits).toHaveLength(1);
  });

  it('does not create a box from a tiny drag (a slip of the hand)', () => {
    const h = harness();
    h.drag([100, 100], [103.5, 140]);
    expect(h.boxes()).toEqual([]);
    expect(h.commits).toHaveLength(0);
    expect(h.tool.state).toBe('idle');
  });

  it('measures "tiny" on screen: the same image size is fine when zoomed in', () => {
    const zoomedIn = harness({ scale: 4 });
    zoomedIn.drag([100, 100], [103, 103]);
    expect(zoomedIn.boxes()).toHaveLength(1);
    const zoomedOut = harness({ scale: 0.25 });
    zoomedOut.drag([100, 100], [112, 300]);
    expect(zoomedOut.boxes()).toHaveLength(0);
  });

  it('clamps a drawn box to the image', () => {
    const h = harness();
    h.drag([900, 700], [1200, 950]);
    expect(h.boxes()[0]).toMatchObject({ x: 900, y: 700, w: 100, h: 100 });
    const g = harness();
    g.drag([-50, -20], [40, 30]);
    expect(g.boxes()[0]).toMatchObject({ x: 0, y: 0, w: 40, h: 30 });
  });

  it('starts a new box on top of an unselected box (boxes inside boxes)', () => {
    const h = harness({ boxes: [box('big', 0, 0, 500, 500)] });
    h.drag([100, 100], [200, 200]);
    expect(h.boxes()).toHaveLength(2);
    expect(h.get('big')).toMatchObject({ x: 0, y: 0 });
  });

  it('needs a class to draw with, and says so', () => {
    const h = harness();
    h.store.setState({ activeClassId: null });
    h.drag([10, 10], [100, 100]);
    expect(h.boxes()).toEqual([]);
    expect(h.store.getState().notice).toMatch(/class/);
  });
});

describe('box tool: selecting', () => {
  it('selects a box with a click, and another with a second click', () => {
    const h = harness({ boxes: [box('a', 10, 10, 100, 100), box('b', 300, 300, 100, 100)] });
    h.click(50, 50);
    expect(h.selected()).toEqual(['a']);
    h.click(350, 350);
    expect(h.selected()).toEqual(['b']);
    expect(h.commits).toHaveLength(0);
  });

  it('adds and removes boxes with shift-click', () => {
    const h = harness({ boxes: [box('a', 10, 10, 100, 100), box('b', 300, 300, 100, 100)] });
    h.click(50, 50);
    h.click(350, 350, { shift: true });
    expect(h.selected()).toEqual(['a', 'b']);
    h.click(50, 50, { shift: true });
    expect(h.selected()).toEqual(['b']);
  });

  it('picks the smallest box under the pointer', () => {
    const h = harness({ boxes: [box('inner', 100, 100, 50, 50), box('outer', 0, 0, 500, 500)] });
    h.click(120, 120);
    expect(h.selected()).toEqual(['inner']);
  });

  it('lets go of the selection with a click on empty space, without starting a box', () => {
    const h = harness({ boxes: [box('a', 10, 10, 100, 100)] });
    h.click(50, 50);
    h.click(600, 600);
    expect(h.selected()).toEqual([]);
    expect(h.tool.state).toBe('idle');
  });

  it('selects with a marquee drawn with shift on empty space', () => {
    const h = harness({ boxes: [box('a', 10, 10, 50, 50), box('b', 100, 100, 50, 50), box('c', 600, 600, 50, 50)] });
    h.drag([0, 0], [200, 200], { shift: true });
    expect(h.selected()).toEqual(['a', 'b']);
    expect(h.boxes()).toHaveLength(3);
    expect(h.commits).toHaveLength(0);
  });

  it('selects with a plain drag in select mode, and adds to the selection with shift', () => {
    const h = harness({ mode: 'select', boxes: [box('a', 10, 10, 50, 50), box('b', 100, 100, 50, 50), box('c', 600, 600, 50, 50)] });
    h.drag([0, 0], [70, 70]);
    expect(h.selected()).toEqual(['a']);
    h.drag([550, 550], [700, 700], { shift: true });
    expect(h.selected()).toEqual(['a', 'c']);
  });

  it('does not select hidden classes', () => {
    const h = harness({ mode: 'select', hidden: [3], boxes: [box('a', 10, 10, 50, 50), box('hid', 100, 100, 50, 50, 3)] });
    h.drag([0, 0], [200, 200]);
    expect(h.selected()).toEqual(['a']);
    h.click(120, 120);
    expect(h.selected()).toEqual([]);
  });
});

describe('box tool: moving and resizing', () => {
  it('moves a selected box by a drag: one change, x and y only', () => {
    const h = harness({ boxes: [box('a', 100, 100, 100, 50)] });
    h.click(150, 120);
    h.drag([150, 120], [180, 160]);
    expect(h.get('a')).toMatchObject({ x: 130, y: 140, w: 100, h: 50 });
    expect(h.commits).toEqual([[{ op: 'update', id: 'a', patch: { x: 130, y: 140 } }]]);
  });

  it('moves every selected box together and keeps them inside the image', () => {
    const h = harness({ boxes: [box('a', 100, 100, 100, 100), box('b', 850, 100, 100, 100)] });
    h.click(150, 150);
    h.click(900, 150, { shift: true });
    h.drag([150, 150], [400, 120]);
    // b can go 50 px right at most: the group stops there, keeping its shape.
    expect(h.get('a')).toMatchObject({ x: 150, y: 70 });
    expect(h.get('b')).toMatchObject({ x: 900, y: 70 });
    expect(h.commits).toHaveLength(1);
  });

  it('shows a moved box on the drag layer while it moves, and commits nothing until release', () => {
    const h = harness({ boxes: [box('a', 100, 100, 100, 50)] });
    h.click(150, 120);
    h.tool.pointerDown(h.ev(150, 120));
    h.tool.pointerMove(h.ev(170, 140));
    expect(h.tool.state).toBe('moving');
    const preview = h.store.getState().preview;
    expect(preview?.kind).toBe('transform');
    expect(preview?.kind === 'transform' && preview.rects.get('a')).toEqual({ x: 120, y: 120, w: 100, h: 50 });
    expect(h.get('a')).toMatchObject({ x: 100, y: 100 });
    expect(h.commits).toHaveLength(0);
  });

  it('a click on a selected box is not an edit', () => {
    const h = harness({ boxes: [box('a', 100, 100, 100, 50)] });
    h.click(150, 120);
    h.click(151, 121);
    expect(h.commits).toHaveLength(0);
  });

  const resizeCases: [Handle, [number, number], [number, number], { x: number; y: number; w: number; h: number }][] = [
    ['nw', [100, 100], [80, 90], { x: 80, y: 90, w: 120, h: 110 }],
    ['n', [150, 100], [170, 60], { x: 100, y: 60, w: 100, h: 140 }],
    ['ne', [200, 100], [260, 120], { x: 100, y: 120, w: 160, h: 80 }],
    ['e', [200, 150], [230, 10], { x: 100, y: 100, w: 130, h: 100 }],
    ['se', [200, 200], [250, 300], { x: 100, y: 100, w: 150, h: 200 }],
    ['s', [150, 200], [0, 240], { x: 100, y: 100, w: 100, h: 140 }],
    ['sw', [100, 200], [50, 220], { x: 50, y: 100, w: 150, h: 120 }],
    ['w', [100, 150], [140, 0], { x: 140, y: 100, w: 60, h: 100 }],
  ];
  for (const [handle, from, to, expected] of resizeCases) {
    it(`resizes from the ${handle} handle`, () => {
      const h = harness({ boxes: [box('a', 100, 100, 100, 100)] });
      h.click(150, 150);
      h.tool.pointerDown(h.ev(...from));
      expect(h.tool.state).toBe('pointing_handle');
      h.tool.pointerMove(h.ev(...to));
      expect(h.tool.state).toBe('resizing');
      h.tool.pointerUp(h.ev(...to));
      expect(h.get('a')).toMatchObject(expected);
      expect(h.commits).toHaveLength(1);
    });
  }

  it('clamps a resize to the image', () => {
    const h = harness({ boxes: [box('a', 900, 700, 50, 50)] });
    h.click(920, 720);
    h.drag([950, 750], [1400, 1000]);
    expect(h.get('a')).toMatchObject({ x: 900, y: 700, w: 100, h: 100 });
    h.drag([900, 700], [-100, -100]);
    expect(h.get('a')).toMatchObject({ x: 0, y: 0, w: 1000, h: 800 });
  });

  it('stops a resize at the minimum size instead of flipping the box', () => {
    const h = harness({ boxes: [box('a', 100, 100, 100, 100)] });
    h.click(150, 150);
    h.drag([200, 200], [20, 30]);
    expect(h.get('a')).toMatchObject({ x: 100, y: 100, w: 1, h: 1 });
  });

  it('finds handles by screen distance, so they stay easy to grab when zoomed out', () => {
    const h = harness({ scale: 0.5, boxes: [box('a', 100, 100, 400, 400)] });
    h.click(300, 300);
    // 10 image px off the corner is 5 screen px: on the handle.
    h.tool.pointerDown(h.ev(510, 510));
    expect(h.tool.state).toBe('pointing_handle');
  });
});

describe('box tool: Esc', () => {
  it('cancels a box being drawn: nothing is created', () => {
    const h = harness();
    h.tool.pointerDown(h.ev(10, 10));
    h.tool.pointerMove(h.ev(200, 200));
    expect(h.tool.cancel()).toBe(true);
    expect(h.tool.state).toBe('idle');
    expect(h.store.getState().preview).toBeNull();
    h.tool.pointerUp(h.ev(200, 200));
    expect(h.commits).toHaveLength(0);
    expect(h.boxes()).toEqual([]);
  });

  it('cancels a two-click box between the clicks', () => {
    const h = harness();
    h.click(10, 10);
    expect(h.tool.cancel()).toBe(true);
    h.click(200, 200);
    // That click started a new two-click box; nothing was created.
    expect(h.boxes()).toEqual([]);
  });

  it('cancels a move: the box stays where it was', () => {
    const h = harness({ boxes: [box('a', 100, 100, 100, 50)] });
    h.click(150, 120);
    h.tool.pointerDown(h.ev(150, 120));
    h.tool.pointerMove(h.ev(300, 300));
    h.tool.cancel();
    h.tool.pointerUp(h.ev(300, 300));
    expect(h.get('a')).toMatchObject({ x: 100, y: 100 });
    expect(h.commits).toHaveLength(0);
  });

  it('cancels a resize and a marquee (which gives back the selection there was)', () => {
    const h = harness({ boxes: [box('a', 100, 100, 100, 100), box('b', 400, 400, 50, 50)] });
    h.click(150, 150);
    h.tool.pointerDown(h.ev(200, 200));
    h.tool.pointerMove(h.ev(300, 300));
    h.tool.cancel();
    expect(h.get('a')).toMatchObject({ w: 100, h: 100 });
    h.tool.pointerDown(h.ev(350, 350, { shift: true }));
    h.tool.pointerMove(h.ev(500, 500, { shift: true }));
    expect(h.selected()).toEqual(['a', 'b']);
    h.tool.cancel();
    expect(h.selected()).toEqual(['a']);
    expect(h.commits).toHaveLength(0);
  });

  it('says there was nothing to cancel when idle', () => {
    expect(harness().tool.cancel()).toBe(false);
  });
});
