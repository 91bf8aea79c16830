/**
 * YOLO label files full of bad lines, imported for real: every line either becomes a box or is
 * reported with its file and line number, good lines import whatever surrounds them, and the
 * boxes that land in the project lie on their images.
 */
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { badNumberToken, nastyLine } from './nasty-values.js';
import {
  copyImage,
  createProject,
  expectSoundProject,
  expectUntouched,
  fuzzRuns,
  IMPORT_PROPERTY_TIMEOUT_MS,
  importInto,
  removeSandbox,
  sampleImages,
  sandboxDir,
  snapshotTree,
  storedBoxes,
  writeFile,
} from './fuzz-fixture.js';

/** A box the label line states, as fractions of the image (top-left and size). */
interface Fraction {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface LabelLine {
  text: string;
  /** Set for lines that are right by the format: each must arrive as a box. */
  good?: Fraction;
}

const separator = fc.constantFrom(' ', '  ', '\t', ' \t', '\u00a0');
const numberText = (v: number) => fc.constantFrom(String(v), v.toFixed(6), v.toExponential(4), `+${v}`).map((t) => ({ t, v: Number(t) }));

function joinTokens(tokens: string[], seps: string[]): string {
  return tokens.map((t, i) => (i === 0 ? t : `${seps[i % seps.length]}${t}`)).join('');
}

/** `cls cx cy w h`, inside the image with a size of at least 2% each way. */
const goodBoxLine: fc.Arbitrary<LabelLine> = fc
  .record({
    cls: fc.integer({ min: 0, max: 2 }),
    w: fc.double({ min: 0.02, max: 1, noNaN: true }),
    h: fc.double({ min: 0.02, max: 1, noNaN: true }),
    fx: fc.double({ min: 0, max: 1, noNaN: true }),
    fy: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .chain(({ cls, w, h, fx, fy }) =>
    fc.tuple(
      numberText(w / 2 + fx * (1 - w)),
      numberText(h / 2 + fy * (1 - h)),
      numberText(w),
      numberText(h),
      fc.array(separator, { minLength: 1, maxLength: 4 }),
      fc.constantFrom('', ' ', '\t'),
    ).map(([cx, cy, ww, hh, seps, pad]) => ({
      text: `${pad}${joinTokens([String(cls), cx.t, cy.t, ww.t, hh.t], seps)}${pad}`,
      good: { x: cx.v - ww.v / 2, y: cy.v - hh.v / 2, w: ww.v, h: hh.v },
    })),
  )
  // Rounding by the text form can push an edge a hair past the 1% slack: not a good line then.
  .filter((l) => l.good!.w > 0.01 && l.good!.x >= -0.005 && l.good!.x + l.good!.w <= 1.005 && l.good!.y >= -0.005 && l.good!.y + l.good!.h <= 1.005);

/** `cls x1 y1 x2 y2 x3 y3 …`: a polygon, imported as its bounding box. */
const goodPolygonLine: fc.Arbitrary<LabelLine> = fc
  .tuple(fc.integer({ min: 0, max: 2 }), fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 3, maxLength: 8 }))
  .map(([cls, points]) => {
    const rounded = points.map(([x, y]) => [Number(x.toFixed(5)), Number(y.toFixed(5))]);
    const xs = rounded.map((p) => p[0]);
    const ys = rounded.map((p) => p[1]);
    const box = { x: Math.min(...xs), y: Math.min(...ys), w: Math.max(...xs) - Math.min(...xs), h: Math.max(...ys) - Math.min(...ys) };
    return { text: [cls, ...rounded.flat()].join(' '), good: box };
  })
  .filter((l) => l.good!.w >= 0.02 && l.good!.h >= 0.02);

/** Five to a dozen tokens, any of which may be a bad number. */
const tokenSoupLine: fc.Arbitrary<LabelLine> = fc
  .tuple(
    fc.array(fc.oneof(badNumberToken, fc.double({ min: -2, max: 2, noNaN: true }).map(String), fc.constantFrom('0', '1', '2', '3', '0.5', '0.1')), { maxLength: 12 }),
    fc.array(separator, { minLength: 1, maxLength: 3 }),
  )
  .map(([tokens, seps]) => ({ text: joinTokens(tokens, seps) }));

/** A box with a good shape and a class index that is not one: out of range, negative, huge. */
const badClassLine: fc.Arbitrary<LabelLine> = fc
  .tuple(fc.constantFrom('3', '-1', '1.5', '1.0', '1e0', '+1', '01', '65536', '2e9', '99999999999', '1e21', '1e300', 'nan', 'a'), goodBoxLine)
  .map(([cls, line]) => ({ text: line.text.replace(/^(\s*)\d/, `$1${cls}`) }));

const labelLine: fc.Arbitrary<LabelLine> = fc.oneof(
  { weight: 2, arbitrary: badClassLine },
  { weight: 4, arbitrary: goodBoxLine },
  { weight: 1, arbitrary: goodPolygonLine },
  { weight: 4, arbitrary: tokenSoupLine },
  { weight: 2, arbitrary: nastyLine.map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t', '\ufeff', '\u2028').map((text) => ({ text })) },
);

/** A label file: lines with LF or CRLF ends, maybe a BOM, or raw bytes of no text at all. */
const labelFile: fc.Arbitrary<{ bytes: Buffer; lines: LabelLine[] }> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.array(labelLine, { maxLength: 12 }), fc.array(fc.constantFrom('\n', '\r\n'), { minLength: 1, maxLength: 3 }), fc.boolean(), fc.boolean())
      .map(([lines, ends, bom, trailing]) => {
        const body = lines.map((l, i) => `${l.text}${i < lines.length - 1 || trailing ? ends[i % ends.length] : ''}`).join('');
        return { bytes: Buffer.from(`${bom ? '\ufeff' : ''}${body}`, 'utf8'), lines };
      }),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({ bytes: Buffer.from(b), lines: [] })) },
);

/** Where the dataset names its classes: data.yaml, classes.txt, or nowhere (class0, class1…). */
const namesSource = fc.constantFrom('yaml', 'classes.txt', 'none');

/** Lines with something on them, as the reader splits and skips them. */
function nonBlankLines(bytes: Buffer): number {
  const text = bytes.toString('utf8').replace(/^\ufeff/, '');
  return text.split(/\r?\n/).filter((l) => l.trim() !== '').length;
}

describe('YOLO label files with bad lines', () => {
  it('import every line as a box or a report naming its line, and every good line arrives', async () => {
    const samples = await sampleImages();
    await fc.assert(
      fc.asyncProperty(fc.array(labelFile, { minLength: 2, maxLength: 2 }), namesSource, async (files, names) => {
        const sandbox = sandboxDir();
        const dataset = path.join(sandbox, 'dataset');
        const images = [copyImage(samples[0], path.join(dataset, 'images', 'train', 'img0.jpg')), copyImage(samples[1], path.join(dataset, 'images', 'val', 'img1.png'))];
        copyImage(samples[2], path.join(dataset, 'images', 'train', 'unlabeled.webp'));
        const labelPaths = ['labels/train/img0.txt', 'labels/val/img1.txt'];
        files.forEach((f, i) => writeFile(path.join(dataset, labelPaths[i]), f.bytes));
        if (names === 'yaml') writeFile(path.join(dataset, 'data.yaml'), 'train: images/train\nval: images/val\nnames: [a, b, c]\n');
        if (names === 'classes.txt') writeFile(path.join(dataset, 'classes.txt'), 'a\nb\nc\n');
        const before = snapshotTree(sandbox, path.join(sandbox, 'project'));

        const store = createProject(path.join(sandbox, 'project'));
        try {
          const outcome = await importInto(store, [dataset], 'auto');
          expectUntouched(before, sandbox, path.join(sandbox, 'project'));
          expectSoundProject(store, outcome);
          expect(outcome.error).toBeUndefined();
          const report = outcome.report!;
          expect(report.imported).toBe(3);

          const boxes = storedBoxes(store);
          files.forEach((file, i) => {
            const image = path.basename(images[i]);
            const sample = samples[i];
            const mine = boxes.filter((b) => b.image === image);
            const lineReports = report.failed.filter((f) => f.path.startsWith(`${labelPaths[i]}:`));
            const fileReports = report.failed.filter((f) => f.path === labelPaths[i]);
            // Each line is accounted for once: a box, or a report that names it.
            expect(new Set(lineReports.map((f) => f.path)).size).toBe(lineReports.length);
            expect(mine.length + lineReports.length + fileReports.length).toBe(nonBlankLines(file.bytes));
            for (const line of file.lines) {
              if (!line.good) continue;
              const g = line.good;
              const x0 = Math.max(0, g.x) * sample.width;
              const y0 = Math.max(0, g.y) * sample.height;
              const hit = mine.some((b) => Math.abs(b.x - x0) < 1e-6 && Math.abs(b.y - y0) < 1e-6 && Math.abs(b.x + b.w - Math.min(1, g.x + g.w) * sample.width) < 1e-6);
              expect(hit, `good line ${JSON.stringify(line.text)} of ${labelPaths[i]} became a box`).toBe(true);
            }
          });
        } finally {
          store.dispose();
          removeSandbox(sandbox);
        }
      }),
      fuzzRuns(100),
    );
  }, IMPORT_PROPERTY_TIMEOUT_MS);
});
