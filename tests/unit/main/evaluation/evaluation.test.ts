/**
 * Evaluating a run through the contract, with a real ONNX model (the fixture YOLO11 detector) on a
 * project with three planted label errors: the figures, the findings, ignoring one for good, the
 * suggestions a finding puts before the labeler, a second run on the same frozen images, which
 * images a run is evaluated on, and a cancel that keeps nothing; then a classifier.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addRun, MODELS_DIR, PLANTED, SHAPE_CLASSES } from '../../../fixtures/evaluation/shapes-project.js';
import { classIds, openStudio } from '../studio/studio-fixture.js';
import { evaluate, evaluationId, shapesStudio } from './evaluation-fixture.js';

describe('evaluating a run', () => {
  it('scores the run on its test images and finds the three planted label errors, most likely first', async () => {
    const s = await shapesStudio();
    await s.addRun({ id: 'run-a', name: 'First', model: 'yolo11-detect.onnx', split: [0, 0, 1] });
    const { report, status } = await evaluate(s.api, { runId: 'run-a' });
    expect(status).toBe('ok');
    expect(report).toMatchObject({ runId: 'run-a', split: 'test', images: 6, findings: 3, exported: false, cancelled: false });

    const evaluation = await s.api.evaluation.get({ evaluationId: evaluationId(report) });
    expect(evaluation).toMatchObject({ imageSource: 'run', split: 'test', images: 6, findings: { extra: 1, missed: 1, class: 1 }, compare: null });
    expect([...evaluation.imageIds].sort()).toEqual(Object.values(s.ids).sort());
    const m = evaluation.primary.metrics;
    if (m.task !== 'detect') throw new Error('a detection evaluation was expected');
    // Every label but the planted ones is the model's own box: high figures, not perfect.
    expect(m.map50).toBeGreaterThan(0.5);
    expect(m.map50).toBeLessThan(0.995);
    expect(m.map50_95).toBeLessThan(m.map50);
    expect(m.perClass.map((c) => c.name)).toEqual(['circle', 'square', 'triangle']);
    const instances = Object.fromEntries(m.perClass.map((c) => [c.name, c.instances]));
    // circles: small-upscaled, odd-size and the mislabeled triangle in wide.png; squares: five real, one planted.
    expect(instances).toEqual({ circle: 3, square: 6, triangle: 5 });
    expect(m.confusion!.names).toEqual(['circle', 'square', 'triangle', 'background']);
    // The mislabeled circle was predicted a triangle; the planted square, background.
    expect(m.confusion!.matrix[2][0]).toBe(1);
    expect(m.confusion!.matrix[3][1]).toBe(1);
    expect(m.bestConfidence).toBeGreaterThan(0);
    expect(m.byConfidence.f1.all).toHaveLength(101);

    const page = await s.api.evaluation.findings({ evaluationId: evaluation.id });
    expect(page).toMatchObject({ total: 3, ignored: 0 });
    const byKind = Object.fromEntries(page.items.map((f) => [f.kind, f]));
    expect(byKind.extra).toMatchObject({ imageId: s.ids[PLANTED.extra.file], predicted: { className: 'circle' }, label: null });
    expect(byKind.class).toMatchObject({ imageId: s.ids[PLANTED.class.file], predicted: { className: 'triangle' }, label: { className: 'circle' } });
    expect(byKind.missed).toMatchObject({ imageId: s.ids[PLANTED.missed.file], predicted: null, label: { className: 'square', x: 120, y: 10, w: 70, h: 80 } });
    expect(byKind.extra.confidence).toBeGreaterThan(0.9);
    const scores = page.items.map((f) => f.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect((await s.api.evaluation.latest({ runId: 'run-a' }))!.id).toBe(evaluation.id);
  });

  it('keeps an ignored finding ignored when the run is evaluated again', async () => {
    const s = await shapesStudio();
    await s.addRun({ id: 'run-a', name: 'First', model: 'yolo11-detect.onnx', split: [0, 0, 1] });
    const first = evaluationId((await evaluate(s.api, { runId: 'run-a' })).report);
    const extra = (await s.api.evaluation.findings({ evaluationId: first, kinds: ['extra'] })).items[0];
    expect(await s.api.evaluation.ignore({ evaluationId: first, findingIds: [extra.id, 'no-such-finding'] })).toEqual({ changed: 1 });
    expect(await s.api.evaluation.findings({ evaluationId: first })).toMatchObject({ total: 2, ignored: 1 });

    const again = evaluationId((await evaluate(s.api, { runId: 'run-a' })).report);
    expect(again).not.toBe(first);
    // The earlier evaluation is replaced by the new one.
    await expect(s.api.evaluation.get({ evaluationId: first })).rejects.toMatchObject({ code: 'not_found' });
    const shown = await s.api.evaluation.findings({ evaluationId: again });
    expect(shown).toMatchObject({ total: 2, ignored: 1 });
    expect(shown.items.map((f) => f.kind).sort()).toEqual(['class', 'missed']);
    const all = await s.api.evaluation.findings({ evaluationId: again, includeIgnored: true });
    expect(all.items.find((f) => f.id === extra.id)).toMatchObject({ ignored: true });

    // Taking it back shows it again.
    expect(await s.api.evaluation.ignore({ evaluationId: again, findingIds: [extra.id], ignored: false })).toEqual({ changed: 1 });
    expect(await s.api.evaluation.findings({ evaluationId: again })).toMatchObject({ total: 3, ignored: 0 });
  });

  it("puts the model's boxes for a finding's image before the labeler as suggestions, which accept as boxes", async () => {
    const s = await shapesStudio();
    await s.addRun({ id: 'run-a', name: 'First', model: 'yolo11-detect.onnx', split: [0, 0, 1] });
    const id = evaluationId((await evaluate(s.api, { runId: 'run-a' })).report);
    const wrong = (await s.api.evaluation.findings({ evaluationId: id, kinds: ['class'] })).items[0];
    const written = await s.api.evaluation.suggest({ evaluationId: id, findingId: wrong.id });
    expect(written.imageId).toBe(s.ids[PLANTED.class.file]);
    const suggestions = await s.api.suggestions.forImage({ imageId: written.imageId });
    expect(suggestions).toHaveLength(written.suggestions);
    // wide.png: the model's triangle. Its square is drawn already, so it is not suggested again.
    expect(suggestions.map((x) => x.classId)).toEqual([s.classes.triangle]);
    expect(s.events.some((e) => e.channel === 'reticle:suggestions.onChanged' && (e.payload as { imageId: number }).imageId === written.imageId)).toBe(true);

    // Fixing the label: accept the model's triangle, delete the drawn circle.
    const triangle = suggestions.find((x) => x.classId === s.classes.triangle)!;
    await s.api.suggestions.accept({ ids: [triangle.id] });
    const circle = (await s.api.annotations.forImage({ imageId: written.imageId })).find((a) => a.classId === s.classes.circle)!;
    await s.api.annotations.apply({ imageId: written.imageId, changes: [{ op: 'delete', id: circle.id }] });
    const fixed = evaluationId((await evaluate(s.api, { runId: 'run-a' })).report);
    expect((await s.api.evaluation.get({ evaluationId: fixed })).findings).toEqual({ extra: 1, missed: 1, class: 0 });

    await expect(s.api.evaluation.suggest({ evaluationId: fixed, findingId: wrong.id })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('compares two runs on the same frozen images and labels', async () => {
    const s = await shapesStudio();
    await s.addRun({ id: 'run-a', name: 'YOLO11', model: 'yolo11-detect.onnx', split: [0, 0, 1] });
    await s.addRun({ id: 'run-b', name: 'YOLO26', model: 'yolo26-detect.onnx', split: [1, 0, 0] });
    const { report } = await evaluate(s.api, { runId: 'run-a', compareRunId: 'run-b' });
    expect(report).toMatchObject({ images: 6, compareRunId: 'run-b', findings: 3 });
    const e = await s.api.evaluation.get({ evaluationId: evaluationId(report) });
    expect(e.compare).toMatchObject({ runId: 'run-b', runName: 'YOLO26' });
    const [a, b] = [e.primary.metrics, e.compare!.metrics];
    if (a.task !== 'detect' || b.task !== 'detect') throw new Error('detection evaluations were expected');
    // The same labels under both: the same instances per class; the models differ.
    expect(b.perClass.map((c) => [c.name, c.instances])).toEqual(a.perClass.map((c) => [c.name, c.instances]));
    expect(b.map50_95).not.toBe(a.map50_95);
    expect(e.compare!.modelId).not.toBe(e.primary.modelId);
  });

  it("evaluates on the run's own frozen split, falling back to val, and on the project's split without a snapshot", async () => {
    const s = await shapesStudio();
    // All of the snapshot in val: the default (test) is empty, so val it is; train has none.
    await s.addRun({ id: 'run-val', name: 'Val only', model: 'yolo11-detect.onnx', split: [0, 1, 0] });
    const val = await evaluate(s.api, { runId: 'run-val' });
    expect(val.report).toMatchObject({ split: 'val', images: 6 });
    await expect(evaluate(s.api, { runId: 'run-val', split: 'train' })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/no labeled train images.*train 0, val 6, test 0/) });

    // Moving the project's split afterwards does not move the run's.
    s.store().images.setSplits(Object.values(s.ids).map((id) => ({ id, split: 'train' as const })));
    expect((await evaluate(s.api, { runId: 'run-val' })).report).toMatchObject({ split: 'val', images: 6 });

    // A run without a snapshot: the project's labeled test images.
    await s.addRun({ id: 'run-bare', name: 'Bare', model: 'yolo11-detect.onnx' });
    s.store().images.setSplits([s.ids['wide.png'], s.ids['tall.jpg']].map((id) => ({ id, split: 'test' as const })));
    const bare = await evaluate(s.api, { runId: 'run-bare' });
    expect(bare.report).toMatchObject({ split: 'test', images: 2, findings: 2 });
    expect((await s.api.evaluation.get({ evaluationId: evaluationId(bare.report) })).imageSource).toBe('project');

    // Chosen images.
    const chosen = await evaluate(s.api, { runId: 'run-bare', imageIds: [s.ids['square.png']] });
    expect(chosen.report).toMatchObject({ split: null, images: 1, findings: 1 });
  });

  it('refuses what it cannot evaluate, and keeps nothing of a cancelled evaluation', async () => {
    const s = await shapesStudio();
    await expect(s.api.evaluation.start({ runId: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
    await s.addRun({ id: 'run-cls', name: 'Classifier', model: 'yolo11-cls.onnx', split: [0, 0, 1] });
    await expect(evaluate(s.api, { runId: 'run-cls' })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/classification model/) });
    await expect(s.api.evaluation.start({ runId: 'run-cls', compareRunId: 'run-cls' })).rejects.toMatchObject({ code: 'invalid_input' });

    await s.addRun({ id: 'run-a', name: 'First', model: 'yolo11-detect.onnx', split: [0, 0, 1] });
    const finished = new Promise<unknown>((resolve) => {
      const off = s.api.jobs.onFinished((r) => {
        off();
        resolve(r);
      });
    });
    const { jobId } = await s.api.evaluation.start({ runId: 'run-a' });
    expect(await s.api.jobs.cancel({ jobId })).toEqual({ cancelled: true });
    expect(await finished).toMatchObject({ kind: 'evaluate', status: 'cancelled', report: { evaluationId: null, cancelled: true } });
    expect(await s.api.evaluation.latest({ runId: 'run-a' })).toBeNull();
  });
});

describe('evaluating a classifier', () => {
  it('gives top-1 and top-5 accuracy and finds the image whose class the model confidently disagrees with', async () => {
    const s = await openStudio({ task: 'classify', classes: SHAPE_CLASSES });
    // The fixture classifier sees circle, square, triangle, circle; the first is tagged square by mistake.
    const files = { 'cls-circle.png': 'square', 'cls-square-wide.png': 'square', 'cls-triangle.jpg': 'triangle', 'cls-exif-rotated.jpg': 'circle' };
    expect((await s.importFiles(Object.keys(files).map((f) => path.join(MODELS_DIR, 'images', f)))).status).toBe('ok');
    const ids = Object.fromEntries((await s.api.images.list({})).items.map((i) => [i.name, i.id]));
    const cls = await classIds(s.api);
    for (const [file, tag] of Object.entries(files)) {
      await s.api.annotations.apply({ imageId: ids[file], changes: [{ op: 'create', annotation: { id: `tag-${ids[file]}`, classId: cls[tag], kind: 'tag' } }] });
    }
    const project = s.studio.session.require();
    await addRun(project.store, project.media, { id: 'run-cls', name: 'Classifier', model: 'yolo11-cls.onnx', split: [0, 0, 1] });

    const { report } = await evaluate(s.api, { runId: 'run-cls' });
    expect(report).toMatchObject({ split: 'test', images: 4, findings: 1 });
    const e = await s.api.evaluation.get({ evaluationId: evaluationId(report) });
    const m = e.primary.metrics;
    if (m.task !== 'classify') throw new Error('a classification evaluation was expected');
    expect(m).toMatchObject({ top1: 0.75, top5: 1 });
    // Rows predicted, columns true: the "square" that is a circle.
    expect(m.confusion!.matrix[0][1]).toBe(1);
    const [finding] = (await s.api.evaluation.findings({ evaluationId: e.id })).items;
    expect(finding).toMatchObject({ kind: 'class', imageId: ids['cls-circle.png'], predicted: { className: 'circle' }, label: { className: 'square' } });
    await s.api.evaluation.suggest({ evaluationId: e.id, findingId: finding.id });
    expect(await s.api.suggestions.forImage({ imageId: ids['cls-circle.png'] })).toEqual([expect.objectContaining({ kind: 'tag', classId: cls.circle })]);
  });
});
