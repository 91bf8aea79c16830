/**
 * A run with weights but no ONNX model is exported first, through the studio's own export (the
 * real runtime process over the Ultralytics test double, whose "export" writes the fixture
 * YOLO11 detector), then evaluated; the export is recorded as the run's artifact.
 */
import { describe, expect, it } from 'vitest';
import { trainingStudio } from '../training/training-fixture.js';
import { model } from '../inference/fixtures.js';
import { evaluate, labelShapes } from './evaluation-fixture.js';

describe('evaluating a run that has no ONNX model yet', () => {
  it('exports best.pt to ONNX first, then evaluates it', async () => {
    const t = await trainingStudio({ env: { ULTRALYTICS_DOUBLE_ONNX: model('yolo11-detect.onnx') }, images: 0 });
    const shapes = await labelShapes(t.studio, t.api);
    await shapes.addRun({ id: 'run-pt', name: 'Weights only', split: [0, 0, 1] });
    expect((await t.api.training.get({ runId: 'run-pt' })).artifacts.filter((a) => a.kind === 'onnx')).toEqual([]);

    const { report } = await evaluate(t.api, { runId: 'run-pt' });
    expect(report).toMatchObject({ exported: true, images: 6, findings: 3 });
    const onnx = (await t.api.training.get({ runId: 'run-pt' })).artifacts.filter((a) => a.kind === 'onnx');
    expect(onnx).toHaveLength(1);
    expect(onnx[0].path).toMatch(/best\.onnx$/);

    // The second time the export is there.
    expect((await evaluate(t.api, { runId: 'run-pt' })).report).toMatchObject({ exported: false, findings: 3 });
  }, 60_000);

  it('says what failed when the export cannot run', async () => {
    const t = await trainingStudio({ env: { ULTRALYTICS_DOUBLE_ONNX: '/nonexistent/model.onnx' }, images: 0 });
    const shapes = await labelShapes(t.studio, t.api);
    await shapes.addRun({ id: 'run-pt', name: 'Weights only', split: [0, 0, 1] });
    await expect(evaluate(t.api, { runId: 'run-pt' })).rejects.toThrow(/Run "Weights only" has no ONNX model to evaluate, and exporting one failed/);
  }, 60_000);
});
