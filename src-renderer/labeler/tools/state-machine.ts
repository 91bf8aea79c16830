/**
 * Tools as small state machines, after tldraw's `StateNode`: a tool is a set of states, one of
 * them current; pointer events go to the current state, which may `transition()` to another.
 * Headless: events carry image and stage coordinates already, so tests drive a tool without a
 * canvas.
 */
import type { Point } from '../geometry.js';

export interface ToolPointerEvent {
  /** Image pixels, not clamped: the pointer may be off the image. */
  point: Point;
  /** Stage pixels, for thresholds that are about the hand, not the image. */
  screen: Point;
  shift: boolean;
  /** Ctrl, or ⌘ on a Mac. */
  mod: boolean;
  alt: boolean;
}

export abstract class ToolStateNode<Tool, Info = void> {
  abstract readonly id: string;
  constructor(protected readonly tool: Tool) {}
  onEnter(_info: Info): void {}
  onExit(): void {}
  onPointerDown(_e: ToolPointerEvent): void {}
  onPointerMove(_e: ToolPointerEvent): void {}
  onPointerUp(_e: ToolPointerEvent): void {}
  /** Esc, or the pointer was lost: bail out of the gesture, recording nothing. */
  onCancel(): void {}
}

// States take different entry info; the machine only passes it through.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyState = ToolStateNode<any, any>;

export class StateMachine {
  private current: AnyState;
  private readonly states = new Map<string, AnyState>();

  constructor(
    states: AnyState[],
    initial: string,
    private readonly onTransition: (id: string) => void,
  ) {
    for (const s of states) this.states.set(s.id, s);
    const first = this.states.get(initial);
    if (!first) throw new Error(`no state ${initial}`);
    this.current = first;
  }

  get stateId(): string {
    return this.current.id;
  }

  transition(id: string, info?: unknown): void {
    const next = this.states.get(id);
    if (!next) throw new Error(`no state ${id}`);
    this.current.onExit();
    this.current = next;
    this.onTransition(id);
    next.onEnter(info);
  }

  pointerDown(e: ToolPointerEvent): void {
    this.current.onPointerDown(e);
  }

  pointerMove(e: ToolPointerEvent): void {
    this.current.onPointerMove(e);
  }

  pointerUp(e: ToolPointerEvent): void {
    this.current.onPointerUp(e);
  }

  cancel(): void {
    this.current.onCancel();
  }
}
