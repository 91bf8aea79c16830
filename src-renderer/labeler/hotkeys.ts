/**
 * The labeler's keyboard: a pure mapping from a key press to a command, so it is tested without
 * a page and the shortcut sheet is made from the same table.
 */
import type { TaskType } from '@shared';

export type LabelerCommand =
  | { type: 'undo' }
  | { type: 'redo' }
  | { type: 'delete' }
  | { type: 'selectAll' }
  | { type: 'copy' }
  | { type: 'paste' }
  | { type: 'copyPrevious' }
  /** 1–9: the n-th class (a tag in classification; the class of the selection or of new boxes). */
  | { type: 'class'; index: number }
  /** Shift+1–9: hide or show the n-th class. */
  | { type: 'toggleClass'; index: number }
  /** Y: the picked model suggestion, else the most confident; Shift+Y: every one of the image's. */
  | { type: 'acceptSuggestion'; all: boolean }
  /** X: the picked model suggestion, else the most confident. */
  | { type: 'rejectSuggestion' }
  | { type: 'next' }
  | { type: 'previous' }
  | { type: 'nextUnlabeled' }
  | { type: 'previousUnlabeled' }
  | { type: 'markDone' }
  | { type: 'markDoneAndNext' }
  | { type: 'markReview' }
  | { type: 'fit' }
  | { type: 'zoomIn' }
  | { type: 'zoomOut' }
  | { type: 'cancel' }
  | { type: 'help' }
  | { type: 'mode'; mode: 'draw' | 'select' };

export interface KeyLike {
  key: string;
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

interface HotkeyContext {
  task: TaskType;
  multiLabel: boolean;
}

/** 1–9 from the digit row or the keypad, whatever the layout puts on Shift+digit. */
function digitOf(e: KeyLike): number | null {
  const code = e.code ?? '';
  const fromCode = /^(?:Digit|Numpad)([1-9])$/.exec(code);
  if (fromCode) return Number(fromCode[1]);
  if (/^[1-9]$/.test(e.key)) return Number(e.key);
  return null;
}

export function commandFor(e: KeyLike, ctx: HotkeyContext): LabelerCommand | null {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  const detect = ctx.task === 'detect';
  if (e.altKey) return null;

  if (mod) {
    if (key === 'z') return e.shiftKey ? { type: 'redo' } : { type: 'undo' };
    if (key === 'y') return { type: 'redo' };
    if (key === 'Enter') return { type: 'markDoneAndNext' };
    if (!detect) return null;
    if (key === 'a') return { type: 'selectAll' };
    if (key === 'c' && !e.shiftKey) return { type: 'copy' };
    if (key === 'v') return e.shiftKey ? { type: 'copyPrevious' } : { type: 'paste' };
    return null;
  }

  const digit = digitOf(e);
  if (digit !== null) return e.shiftKey ? { type: 'toggleClass', index: digit - 1 } : { type: 'class', index: digit - 1 };

  switch (key) {
    case 'Escape':
      return { type: 'cancel' };
    case 'y':
      // Accepting every tag would leave a single-label image with whichever came last.
      if (!e.shiftKey) return { type: 'acceptSuggestion', all: false };
      return detect || ctx.multiLabel ? { type: 'acceptSuggestion', all: true } : null;
    case 'x':
      return e.shiftKey ? null : { type: 'rejectSuggestion' };
    case 'Delete':
    case 'Backspace':
      return detect ? { type: 'delete' } : null;
    case 'ArrowRight':
      return { type: 'next' };
    case 'ArrowLeft':
      return { type: 'previous' };
    case 'd':
      return e.shiftKey ? { type: 'nextUnlabeled' } : { type: 'next' };
    case 'a':
      return e.shiftKey ? { type: 'previousUnlabeled' } : { type: 'previous' };
    case 'n':
      return e.shiftKey ? { type: 'previousUnlabeled' } : { type: 'nextUnlabeled' };
    case 'Enter':
      return detect ? null : { type: 'next' };
    case 'm':
      return { type: 'markDone' };
    case 'r':
      return { type: 'markReview' };
    case 'f':
    case '0':
      return { type: 'fit' };
    case '+':
    case '=':
      return { type: 'zoomIn' };
    case '-':
    case '_':
      return { type: 'zoomOut' };
    case '?':
      return { type: 'help' };
    case 'b':
      return detect ? { type: 'mode', mode: 'draw' } : null;
    case 'v':
      return detect ? { type: 'mode', mode: 'select' } : null;
    default:
      return null;
  }
}

interface ShortcutRow {
  keys: string;
  what: string;
}

/** The shortcut sheet (`?`), from the same table as `commandFor`. */
export function shortcutSheet(ctx: HotkeyContext): { title: string; rows: ShortcutRow[] }[] {
  const detect = ctx.task === 'detect';
  const classes: ShortcutRow[] = detect
    ? [
        { keys: '1 – 9', what: 'Class of the selected boxes; without a selection, the class of new boxes' },
        { keys: 'Shift + 1 – 9', what: 'Hide or show that class' },
      ]
    : ctx.multiLabel
      ? [
          { keys: '1 – 9', what: 'Add or remove that tag' },
          { keys: 'Enter or D', what: 'Next image' },
        ]
      : [{ keys: '1 – 9', what: 'Tag the image with that class and go to the next one' }];
  const boxes: ShortcutRow[] = [
    { keys: 'Drag', what: 'Draw a box (or click two corners)' },
    { keys: 'Click / Shift + click', what: 'Select a box / add it to the selection' },
    { keys: 'Shift + drag on empty space', what: 'Select the boxes in a rectangle' },
    { keys: 'B / V', what: 'Draw mode / select mode (in select mode a drag selects)' },
    { keys: 'Delete or Backspace', what: 'Delete the selected boxes' },
    { keys: 'Ctrl + A', what: 'Select every box' },
    { keys: 'Ctrl + C / Ctrl + V', what: 'Copy / paste the selected boxes' },
    { keys: 'Ctrl + Shift + V', what: 'Copy every box of the previous image' },
    { keys: 'Esc', what: 'Cancel the box being drawn or moved; then let go of the selection; then close' },
  ];
  const suggestions: ShortcutRow[] = [
    { keys: 'Y', what: detect ? 'Accept the picked suggestion (else the most confident): it becomes a box' : 'Accept the picked suggestion (else the most confident): it becomes a tag' },
    ...(detect || ctx.multiLabel ? [{ keys: 'Shift + Y', what: 'Accept every suggestion of the image' }] : []),
    { keys: 'X', what: 'Reject the picked suggestion (else the most confident)' },
    { keys: 'Click a suggestion in the list', what: 'Pick it for Y and X' },
  ];
  return [
    { title: 'Classes', rows: classes },
    ...(detect ? [{ title: 'Boxes', rows: boxes }] : []),
    { title: 'Model suggestions', rows: suggestions },
    {
      title: 'Images',
      rows: [
        { keys: 'D or → / A or ←', what: 'Next / previous image' },
        { keys: 'N or Shift + D', what: 'Next unlabeled image' },
        { keys: 'Shift + N or Shift + A', what: 'Previous unlabeled image' },
        { keys: 'M', what: 'Mark the image done (again: back to in progress)' },
        { keys: 'Ctrl + Enter', what: 'Mark done and go to the next image' },
        { keys: 'R', what: 'Mark the image as needing review (again: clears it)' },
      ],
    },
    {
      title: 'View and edits',
      rows: [
        { keys: 'Wheel', what: 'Zoom at the pointer' },
        { keys: 'Space + drag, or middle button', what: 'Pan' },
        { keys: 'F or 0', what: 'Fit the image to the window' },
        { keys: '+ / −', what: 'Zoom in / out' },
        { keys: 'Ctrl + Z', what: 'Undo' },
        { keys: 'Ctrl + Shift + Z or Ctrl + Y', what: 'Redo' },
        { keys: '?', what: 'This sheet' },
      ],
    },
  ];
}
