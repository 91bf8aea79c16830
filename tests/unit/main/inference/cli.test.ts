/** `reticle predict` and `reticle autolabel`, run as a user runs them: the built CLI. */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AutolabelReport, PredictResult } from '@shared';
import { ensureCliBuilt, reticle, reticleJson } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/images.js';
import { image, model, MODELS_DIR, reference } from './fixtures.js';

beforeAll(() => ensureCliBuilt());

const DETECT = ['square.png', 'wide.png', 'tall.jpg', 'odd-size.png', 'small-upscaled.png', 'exif-rotated.jpg'];

function detectImagesDir(): string {
  const dir = path.join(tempDir(), 'photos');
  fs.mkdirSync(path.join(dir, 'more'), { recursive: true });
  DETECT.forEach((f, i) => fs.copyFileSync(image(f), path.join(dir, i % 2 ? 'more' : '', f)));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an image, not even looked at');
  return dir;
}

describe('reticle predict', () => {
  it('prints boxes in image pixels with class names, from files and folders', () => {
    const ref = reference('yolo11-detect.onnx');
    const r = reticle(['predict', model('yolo11-detect.onnx'), image('square.png'), image('wide.png'), '--conf', String(ref.conf)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^model: yolo11-detect\.onnx \(detect, 3 classes, 160×160, yolo-detect, on cpu\)/);
    expect(r.stdout).toMatch(/square\.png {2}256×256 {2}\d+ detections?/);
    const want = ref.images.find((i) => i.file.endsWith('square.png'))!.detections![0];
    const [x1, y1, x2, y2] = want.xyxy.map((v) => v.toFixed(1));
    expect(r.stdout).toContain(`${want.className}`);
    expect(r.stdout).toContain(`${want.confidence.toFixed(3)}  [${x1}, ${y1}, ${x2}, ${y2}]`);
  });

  it('gives JSON with --json, walks folders, and reports an unreadable image with exit status 1', () => {
    const dir = detectImagesDir();
    const ok = reticleJson<PredictResult>(['predict', model('yolo26-detect.onnx'), dir, '--conf', '0.3', '--iou', '0.6']);
    expect(ok.model).toMatchObject({ format: 'yolo-end2end', names: ['circle', 'square', 'triangle'] });
    expect(ok.images.map((i) => path.basename(i.path!)).sort()).toEqual([...DETECT].sort());
    for (const i of ok.images) expect(i.detections!.every((d) => d.confidence > 0.3)).toBe(true);

    fs.writeFileSync(path.join(dir, 'broken.jpg'), 'nope');
    const r = reticle(['predict', model('yolo26-detect.onnx'), dir, '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as PredictResult;
    expect(out.images.find((i) => i.path!.endsWith('broken.jpg'))!.error!.code).toBe('invalid_input');
  });

  it('prints the top classes of a classifier', () => {
    const ref = reference('yolo11-cls.onnx');
    const r = reticle(['predict', model('yolo11-cls.onnx'), path.join(MODELS_DIR, 'images', 'cls-circle.png')]);
    expect(r.code).toBe(0);
    const top = ref.images[0].top5![0];
    expect(r.stdout).toContain(`  1. ${top.className}  ${top.confidence.toFixed(3)}`);
  });

  it('explains a bad model or a bad command line', () => {
    const junk = path.join(tempDir(), 'junk.onnx');
    fs.writeFileSync(junk, 'garbage');
    const bad = reticle(['predict', junk, image('square.png')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/junk\.onnx is not/);
    expect(reticle(['predict', model('yolo11-detect.onnx')]).code).toBe(2);
    expect(reticle(['predict', model('yolo11-detect.onnx'), image('square.png'), '--conf', '2']).stderr).toMatch(/--conf is a number from 0 to 1/);
  });
});

describe('reticle autolabel', () => {
  it("stores suggestions for a project's unlabeled images and prints a summary", () => {
    const project = path.join(tempDir(), 'shapes');
    expect(reticle(['new', project, '--name', 'Shapes', '--task', 'detect']).code).toBe(0);
    expect(reticle(['import', project, detectImagesDir()]).code).toBe(0);

    const report = reticleJson<AutolabelReport>(['autolabel', project, '--model', model('yolo11-detect.onnx'), '--conf', '0.2', '--create-classes']);
    expect(report).toMatchObject({ images: DETECT.length, failed: [], cancelled: false, classesCreated: ['circle', 'square', 'triangle'] });
    expect(report.suggestions).toBeGreaterThan(0);

    const text = reticle(['autolabel', project, '--model', model('yolo11-detect.onnx')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Auto-labeled: 6 images, \d+ suggestions in [\d.]+ s/);
    // Suggestions are not annotations: the project is still all unlabeled.
    expect(reticleJson<{ unlabeled: number; annotations: number }>(['stats', project])).toMatchObject({ unlabeled: 6, annotations: 0 });

    expect(reticle(['autolabel', project]).stderr).toMatch(/--model MODEL\.onnx, --run RUN or --weights yolo11n\.pt/);
  });
});
