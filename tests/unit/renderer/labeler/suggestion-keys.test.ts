/**
 * A label error opened from the Evaluation tab, fixed with the keys: the drawn box to fix is
 * selected, the model's box is the suggestion Y accepts (not merely the most confident one), and
 * Delete then Y leaves the model's box in place of the drawn one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BoxAnnotation, Finding, Suggestion } from '@shared';
import { focusFor } from '../../../../src-renderer/evaluation/evaluation-store.js';
import { findTarget } from '../../../../src-renderer/labeler/focus.js';
import { createLabelerSession, type LabelerSession } from '../../../../src-renderer/labeler/labeler-session.js';
import { CLASSES, detectProject, fakeStudio, imageRecord, settle } from './fake-studio.js';

let session: LabelerSession | null = null;
afterEach(() => session?.dispose());

const box = (id: string, classId: number, confidence: number, x: number, y = 100, w = 100, h = 100): Suggestion => ({ id, imageId: 1, classId, confidence, modelId: 'm', createdAt: '', kind: 'box', x, y, w, h });

/** Image 1 with a drawn dog at (500, 100) and a cat at (100, 100); the model agrees on the cat and calls the dog a bird. */
async function open(focus?: Parameters<LabelerSession['load']>[2]) {
  const studio = fakeStudio([imageRecord(1), imageRecord(2)]);
  studio.annotations.set(1, [
    { id: 'cat', imageId: 1, classId: 1, kind: 'box', x: 100, y: 100, w: 100, h: 100, source: 'manual' },
    { id: 'dog', imageId: 1, classId: 2, kind: 'box', x: 500, y: 100, w: 100, h: 100, source: 'manual' },
  ]);
  studio.suggestions = [box('sg-cat', 1, 0.98, 101), box('sg-bird', 3, 0.9, 503)];
  const info = detectProject();
  let n = 0;
  session = createLabelerSession({ api: studio.api, classes: () => CLASSES, project: () => info, newId: () => `id-${++n}`, backoff: { initialMs: 1, maxMs: 4 } });
  await session.load(studio.images.get(1)!, () => true, focus);
  // The side panel loads the image's suggestions once its annotations are there.
  await session.suggestions.getState().load(1);
  return { studio, s: session };
}

const boxes = (s: LabelerSession) => [...s.document.getState().byId.values()] as BoxAnnotation[];
const selected = (s: LabelerSession) => [...s.tool.getState().selectedIds];

function finding(kind: Finding['kind'], label: Finding['label'], predicted: Finding['predicted']): Finding {
  return { id: 'f', imageId: 1, imageName: 'img1.jpg', width: 1000, height: 800, kind, score: 0.9, confidence: predicted ? 0.9 : null, predicted, label, iou: null, ignored: false };
}

describe('what a finding selects in the labeler', () => {
  const drawnDog = { classId: 2, className: 'dog', x: 500, y: 100, w: 100, h: 100 };
  const modelBird = { classId: 3, className: 'bird', x: 503, y: 100, w: 100, h: 100 };

  it('selects the drawn box for a missed box and a class disagreement, and nothing for a box nobody drew', () => {
    expect(focusFor(finding('missed', drawnDog, null))).toEqual({ annotation: { classId: 2, x: 500, y: 100, w: 100, h: 100 }, suggestion: undefined });
    expect(focusFor(finding('class', drawnDog, modelBird))).toEqual({ annotation: { classId: 2, x: 500, y: 100, w: 100, h: 100 }, suggestion: { classId: 3, x: 503, y: 100, w: 100, h: 100 } });
    expect(focusFor(finding('extra', null, modelBird))).toEqual({ annotation: undefined, suggestion: { classId: 3, x: 503, y: 100, w: 100, h: 100 } });
    // A classifier's finding: no box to select; Y takes the model's class.
    expect(focusFor(finding('class', { classId: 2, className: 'dog' }, { classId: 3, className: 'bird' }))).toEqual({ annotation: undefined, suggestion: { classId: 3, x: undefined, y: undefined, w: undefined, h: undefined } });
  });

  it('finds the box of the class that overlaps most, a tag by its class, and nothing that is elsewhere', () => {
    const candidates = [
      { id: 'a', classId: 1, kind: 'box', x: 0, y: 0, w: 10, h: 10 },
      { id: 'b', classId: 1, kind: 'box', x: 1, y: 0, w: 10, h: 10 },
      { id: 'c', classId: 2, kind: 'box', x: 1, y: 1, w: 10, h: 10 },
      { id: 't', classId: 3, kind: 'tag' },
    ];
    expect(findTarget(candidates, { classId: 1, x: 1, y: 1, w: 10, h: 10 })).toBe('b');
    expect(findTarget(candidates, { classId: 1, x: 8, y: 8, w: 10, h: 10 })).toBeNull();
    expect(findTarget(candidates, { classId: 3 })).toBe('t');
    expect(findTarget(candidates, { classId: 2 })).toBeNull();
  });
});

describe('Y and X on an image opened for a finding', () => {
  it('selects the drawn box and picks the model’s box over a more confident one', async () => {
    const { s } = await open({ annotation: { classId: 2, x: 500, y: 100, w: 100, h: 100 }, suggestion: { classId: 3, x: 503, y: 100, w: 100, h: 100 } });
    expect(selected(s)).toEqual(['dog']);
    expect(s.tool.getState().suggestionId).toBe('sg-bird');
    expect(s.nextSuggestion()?.id).toBe('sg-bird');
  });

  it('Delete then Y: the drawn box is gone and the model’s box is a box, in the labeler and in the studio', async () => {
    const { s, studio } = await open({ annotation: { classId: 2, x: 500, y: 100, w: 100, h: 100 }, suggestion: { classId: 3, x: 503, y: 100, w: 100, h: 100 } });
    // The delete's save is still on its way when Y is pressed: the accept waits for it.
    studio.hold = true;
    expect(s.deleteSelection()).toBe(1);
    const accepting = s.acceptSuggestions(false);
    await settle();
    expect(studio.suggestions.map((sg) => sg.id)).toEqual(['sg-cat', 'sg-bird']);
    studio.hold = false;
    studio.release();
    expect(await accepting).toBe(1);
    await settle();

    const stored = (studio.annotations.get(1) ?? []) as BoxAnnotation[];
    expect(stored.map((a) => [a.id, a.classId, a.source])).toEqual([
      ['cat', 1, 'manual'],
      ['ann-sg-bird', 3, 'model'],
    ]);
    expect(boxes(s).map((b) => b.id).sort()).toEqual(['ann-sg-bird', 'cat']);
    // The accepted box is selected, so a digit can still change its class.
    expect(selected(s)).toEqual(['ann-sg-bird']);
    // The picked suggestion is gone: Y now means the most confident one.
    expect(s.tool.getState().suggestionId).toBeNull();
    expect(s.nextSuggestion()?.id).toBe('sg-cat');
  });

  it('without a pick, Y accepts and X rejects the most confident; with none left they say so', async () => {
    const { s, studio } = await open();
    expect(selected(s)).toEqual([]);
    expect(await s.rejectSuggestion()).toBe(true);
    expect(studio.suggestions.map((sg) => sg.id)).toEqual(['sg-bird']);
    expect(await s.acceptSuggestions(false)).toBe(1);
    expect(boxes(s).some((b) => b.id === 'ann-sg-bird')).toBe(true);
    expect(await s.acceptSuggestions(false)).toBeNull();
    expect(await s.rejectSuggestion()).toBe(false);
  });

  it('Shift+Y accepts every pending suggestion; a suggestion picked in the panel goes first', async () => {
    const { s, studio } = await open();
    s.tool.getState().pickSuggestion('sg-bird');
    expect(s.nextSuggestion()?.id).toBe('sg-bird');
    expect(await s.acceptSuggestions(true)).toBe(2);
    expect(studio.suggestions).toEqual([]);
    expect(selected(s).sort()).toEqual(['ann-sg-bird', 'ann-sg-cat']);
  });

  it('forgets the focus when another image opens', async () => {
    const { s, studio } = await open({ suggestion: { classId: 3, x: 503, y: 100, w: 100, h: 100 } });
    expect(s.tool.getState().suggestionId).toBe('sg-bird');
    await s.load(studio.images.get(2)!);
    await s.suggestions.getState().load(2);
    expect(s.tool.getState().suggestionId).toBeNull();
    expect(s.nextSuggestion()).toBeNull();
  });
});
