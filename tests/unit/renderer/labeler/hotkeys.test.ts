import { describe, expect, it } from 'vitest';
import { commandFor, shortcutSheet, type KeyLike } from '../../../../src-renderer/labeler/hotkeys.js';

const key = (k: string, mods: Partial<KeyLike> = {}): KeyLike => ({ key: k, code: mods.code, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });
const detect = { task: 'detect' as const, multiLabel: false };
const classify = { task: 'classify' as const, multiLabel: false };

describe('labeler hotkeys', () => {
  it('maps undo and redo, with Ctrl or ⌘', () => {
    expect(commandFor(key('z', { ctrlKey: true }), detect)).toEqual({ type: 'undo' });
    expect(commandFor(key('Z', { ctrlKey: true, shiftKey: true }), detect)).toEqual({ type: 'redo' });
    expect(commandFor(key('y', { ctrlKey: true }), detect)).toEqual({ type: 'redo' });
    expect(commandFor(key('z', { metaKey: true }), detect)).toEqual({ type: 'undo' });
  });

  it('maps 1–9 to classes (by code, so Shift+digit works on any layout) and Shift+digit to hiding one', () => {
    expect(commandFor(key('1', { code: 'Digit1' }), detect)).toEqual({ type: 'class', index: 0 });
    expect(commandFor(key('9', { code: 'Numpad9' }), detect)).toEqual({ type: 'class', index: 8 });
    expect(commandFor(key('!', { code: 'Digit1', shiftKey: true }), detect)).toEqual({ type: 'toggleClass', index: 0 });
    expect(commandFor(key('3'), classify)).toEqual({ type: 'class', index: 2 });
  });

  it('maps navigation and statuses', () => {
    expect(commandFor(key('d'), detect)).toEqual({ type: 'next' });
    expect(commandFor(key('ArrowRight'), detect)).toEqual({ type: 'next' });
    expect(commandFor(key('A'), detect)).toEqual({ type: 'previous' });
    expect(commandFor(key('ArrowLeft'), detect)).toEqual({ type: 'previous' });
    expect(commandFor(key('n'), detect)).toEqual({ type: 'nextUnlabeled' });
    expect(commandFor(key('D', { shiftKey: true }), detect)).toEqual({ type: 'nextUnlabeled' });
    expect(commandFor(key('m'), detect)).toEqual({ type: 'markDone' });
    expect(commandFor(key('Enter', { ctrlKey: true }), detect)).toEqual({ type: 'markDoneAndNext' });
    expect(commandFor(key('r'), detect)).toEqual({ type: 'markReview' });
  });

  it('maps Enter to the next image in classification only', () => {
    expect(commandFor(key('Enter'), { task: 'classify', multiLabel: true })).toEqual({ type: 'next' });
    expect(commandFor(key('Enter'), detect)).toBeNull();
  });

  it('maps box editing keys in detection, and not in classification', () => {
    expect(commandFor(key('Delete'), detect)).toEqual({ type: 'delete' });
    expect(commandFor(key('Backspace'), detect)).toEqual({ type: 'delete' });
    expect(commandFor(key('c', { ctrlKey: true }), detect)).toEqual({ type: 'copy' });
    expect(commandFor(key('v', { ctrlKey: true }), detect)).toEqual({ type: 'paste' });
    expect(commandFor(key('V', { ctrlKey: true, shiftKey: true }), detect)).toEqual({ type: 'copyPrevious' });
    expect(commandFor(key('a', { ctrlKey: true }), detect)).toEqual({ type: 'selectAll' });
    expect(commandFor(key('b'), detect)).toEqual({ type: 'mode', mode: 'draw' });
    expect(commandFor(key('v'), detect)).toEqual({ type: 'mode', mode: 'select' });
    expect(commandFor(key('Delete'), classify)).toBeNull();
    expect(commandFor(key('v', { ctrlKey: true }), classify)).toBeNull();
  });

  it('maps the view keys, Esc and the sheet', () => {
    expect(commandFor(key('f'), detect)).toEqual({ type: 'fit' });
    expect(commandFor(key('0'), detect)).toEqual({ type: 'fit' });
    expect(commandFor(key('+', { shiftKey: true }), detect)).toEqual({ type: 'zoomIn' });
    expect(commandFor(key('-'), detect)).toEqual({ type: 'zoomOut' });
    expect(commandFor(key('Escape'), detect)).toEqual({ type: 'cancel' });
    expect(commandFor(key('?', { shiftKey: true }), detect)).toEqual({ type: 'help' });
  });

  it('leaves keys with Alt, and unknown keys, to the browser', () => {
    expect(commandFor(key('d', { altKey: true }), detect)).toBeNull();
    expect(commandFor(key('q'), detect)).toBeNull();
    expect(commandFor(key('t', { ctrlKey: true }), detect)).toBeNull();
  });

  it('maps Y to accepting a suggestion, Shift+Y to accepting all, X to rejecting one', () => {
    expect(commandFor(key('y'), detect)).toEqual({ type: 'acceptSuggestion', all: false });
    expect(commandFor(key('Y', { shiftKey: true }), detect)).toEqual({ type: 'acceptSuggestion', all: true });
    expect(commandFor(key('x'), detect)).toEqual({ type: 'rejectSuggestion' });
    // Caps Lock: a capital Y without Shift is still one suggestion.
    expect(commandFor(key('Y'), detect)).toEqual({ type: 'acceptSuggestion', all: false });
    expect(commandFor(key('y'), classify)).toEqual({ type: 'acceptSuggestion', all: false });
    expect(commandFor(key('x'), classify)).toEqual({ type: 'rejectSuggestion' });
    expect(commandFor(key('Y', { shiftKey: true }), { task: 'classify', multiLabel: true })).toEqual({ type: 'acceptSuggestion', all: true });
    // Single-label: accepting every tag would leave whichever came last.
    expect(commandFor(key('Y', { shiftKey: true }), classify)).toBeNull();
    expect(commandFor(key('X', { shiftKey: true }), detect)).toBeNull();
    expect(commandFor(key('y', { altKey: true }), detect)).toBeNull();
  });

  it('keeps the meaning of every key that had one before Y and X', () => {
    const before: [KeyLike, ReturnType<typeof commandFor>][] = [
      [key('y', { ctrlKey: true }), { type: 'redo' }],
      [key('y', { metaKey: true }), { type: 'redo' }],
      [key('x', { ctrlKey: true }), null],
      [key('a'), { type: 'previous' }],
      [key('d'), { type: 'next' }],
      [key('n'), { type: 'nextUnlabeled' }],
      [key('m'), { type: 'markDone' }],
      [key('r'), { type: 'markReview' }],
      [key('f'), { type: 'fit' }],
      [key('b'), { type: 'mode', mode: 'draw' }],
      [key('v'), { type: 'mode', mode: 'select' }],
      [key('1', { code: 'Digit1' }), { type: 'class', index: 0 }],
      [key('Delete'), { type: 'delete' }],
    ];
    for (const [k, command] of before) expect(commandFor(k, detect)).toEqual(command);
  });

  it('lists the suggestion keys on the sheet, Shift+Y only where it makes sense', () => {
    const keys = (ctx: { task: 'detect' | 'classify'; multiLabel: boolean }) => shortcutSheet(ctx).find((g) => g.title === 'Model suggestions')?.rows.map((r) => r.keys) ?? [];
    expect(keys(detect)).toEqual(expect.arrayContaining(['Y', 'Shift + Y', 'X']));
    expect(keys({ task: 'classify', multiLabel: true })).toEqual(expect.arrayContaining(['Y', 'Shift + Y', 'X']));
    expect(keys(classify)).toEqual(expect.arrayContaining(['Y', 'X']));
    expect(keys(classify)).not.toContain('Shift + Y');
  });

  it('lists the keys on the sheet for each kind of project', () => {
    const titles = (ctx: { task: 'detect' | 'classify'; multiLabel: boolean }) => shortcutSheet(ctx).map((g) => g.title);
    expect(titles(detect)).toContain('Boxes');
    expect(titles(classify)).not.toContain('Boxes');
    expect(JSON.stringify(shortcutSheet({ task: 'classify', multiLabel: true }))).toMatch(/Enter or D/);
  });
});
