/** Likely label errors in one image, worked by hand: what is found, what is not, and in which order. */
import { describe, expect, it } from 'vitest';
import { FindingThresholdsSchema } from '@shared';
import { classificationFindings, detectionFindings, findingId, rankFindings } from '../../../../src-main/services/evaluation/label-findings.js';

const classes = [
  { id: 11, name: 'cat' },
  { id: 12, name: 'dog' },
];
const image = { imageId: 7, name: 'pets/one.jpg', width: 400, height: 400 };
const defaults = FindingThresholdsSchema.parse({});

describe('findings in a detection', () => {
  const labels = [
    { classIndex: 0, x: 10, y: 10, w: 100, h: 100 }, // found as it is
    { classIndex: 1, x: 200, y: 200, w: 80, h: 80 }, // the model sees a cat there
    { classIndex: 0, x: 300, y: 20, w: 60, h: 60 }, // nothing there
    { classIndex: 1, x: 120, y: 300, w: 60, h: 60 }, // a cat 0.9 and a dog 0.7 there: the model is unsure, no finding
  ];
  const predictions = [
    { classIndex: 0, confidence: 0.95, x: 10, y: 10, w: 100, h: 100 },
    { classIndex: 0, confidence: 0.9, x: 200, y: 200, w: 80, h: 80 },
    { classIndex: 1, confidence: 0.8, x: 10, y: 300, w: 50, h: 50 }, // nobody drew it
    { classIndex: 0, confidence: 0.6, x: 12, y: 302, w: 50, h: 50 }, // the same object, another class: one finding
    { classIndex: 0, confidence: 0.3, x: 300, y: 200, w: 20, h: 20 }, // not sure enough to be a finding
    { classIndex: 0, confidence: 0.9, x: 120, y: 300, w: 60, h: 60 },
    { classIndex: 1, confidence: 0.7, x: 121, y: 300, w: 60, h: 60 },
  ];

  it('finds a box nobody drew, a drawn box the model misses, and a class it disagrees with', () => {
    const found = rankFindings(detectionFindings(image, labels, predictions, classes, defaults));
    expect(found.map((f) => [f.kind, f.score])).toEqual([
      ['class', 0.9],
      ['extra', 0.8],
      // 60 px of 400: a side of 0.15, of the 0.25 that counts fully; nothing overlaps it.
      ['missed', expect.closeTo(0.6, 9)],
    ]);
    const [wrongClass, extra, missed] = found;
    expect(wrongClass).toMatchObject({
      id: 'class:7:11:200,200,80,80',
      imageName: 'pets/one.jpg',
      confidence: 0.9,
      predicted: { classId: 11, className: 'cat', x: 200, w: 80 },
      label: { classId: 12, className: 'dog', x: 200 },
    });
    expect(wrongClass.iou).toBeCloseTo(1, 6);
    expect(extra).toMatchObject({ id: 'extra:7:12:10,300,50,50', predicted: { className: 'dog' }, label: null, iou: 0 });
    expect(missed).toMatchObject({ id: 'missed:7:11:300,20,60,60', predicted: null, confidence: null, label: { className: 'cat', y: 20 } });
  });

  it('follows the thresholds: a stricter confidence finds less, a laxer miss confidence more', () => {
    // At 0.85 the 0.8 dog nobody drew is no finding, and the 0.7 dog no longer vouches for its label.
    const strict = detectionFindings(image, labels, predictions, classes, { ...defaults, minConfidence: 0.85 });
    expect(strict.map((f) => f.id).sort()).toEqual(['class:7:11:120,300,60,60', 'class:7:11:200,200,80,80', 'missed:7:11:300,20,60,60']);
    // The 0.3 cat near the top-right label does not overlap it: still missed at 0.2.
    const lax = detectionFindings(image, labels, predictions, classes, { ...defaults, missConfidence: 0.2 });
    expect(lax.filter((f) => f.kind === 'missed')).toHaveLength(1);
    expect(detectionFindings(image, [], [], classes, defaults)).toEqual([]);
  });

  it('names a finding the same way each time, whatever fractions its box has', () => {
    expect(findingId('extra', 3, 12, { x: 10.4, y: 9.6, w: 20.49, h: 5.5 })).toBe('extra:3:12:10,10,20,6');
    expect(findingId('class', 3, 12)).toBe('class:3:12');
    const tie = [
      { id: 'b', imageId: 2, score: 0.5 },
      { id: 'a', imageId: 2, score: 0.5 },
      { id: 'c', imageId: 1, score: 0.5 },
      { id: 'd', imageId: 9, score: 0.7 },
    ];
    expect(rankFindings(tie).map((f) => f.id)).toEqual(['d', 'c', 'a', 'b']);
  });
});

describe('findings in a classification', () => {
  it('finds an image whose confident top class is none of its tags', () => {
    const found = classificationFindings(image, [1], [{ classIndex: 0, confidence: 0.8 }, { classIndex: 1, confidence: 0.15 }], classes, defaults);
    expect(found).toEqual([
      expect.objectContaining({ id: 'class:7:11', kind: 'class', score: 0.8, predicted: { classId: 11, className: 'cat' }, label: { classId: 12, className: 'dog' } }),
    ]);
    expect(classificationFindings(image, [1], [{ classIndex: 0, confidence: 0.4 }], classes, defaults)).toEqual([]);
    expect(classificationFindings(image, [0, 1], [{ classIndex: 0, confidence: 0.9 }], classes, defaults)).toEqual([]);
    expect(classificationFindings(image, [], [{ classIndex: 0, confidence: 0.9 }], classes, defaults)).toEqual([]);
    // A model class the project lacks says nothing about the labels.
    expect(classificationFindings(image, [1], [{ classIndex: -1, confidence: 0.9 }], classes, defaults)).toEqual([]);
  });
});
