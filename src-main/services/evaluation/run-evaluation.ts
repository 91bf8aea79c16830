/**
 * One run's pass over the evaluation's images: its model predicts through the studio's inference
 * engine (the worker, ONNX Runtime, the studio's own letterbox and NMS) at Ultralytics' validation
 * settings (conf 0.001, IoU 0.7, 300 detections), and each image's predictions are scored against
 * its labels and searched for likely label errors.
 */
import type { Detection, FindingThresholds, ImagePrediction, ModelInfo, RunEvaluation } from '@shared';
import { CANDIDATE_FLOOR } from '@shared';
import type { InferenceEngine } from '../inference/inference-engine.js';
import type { StoredPrediction } from '../store/evaluation-repository.js';
import { ClassificationAccumulator } from './classification-metrics.js';
import { boxIou, type ClassedBox, type ScoredBox } from './detection-matching.js';
import { DetectionAccumulator, type EvaluatedClass } from './detection-metrics.js';
import { classificationFindings, detectionFindings, type NewFinding } from './label-findings.js';

/** An image with its labels as they were when the evaluation began. */
export interface TruthImage {
  imageId: number;
  name: string;
  boxes: ClassedBox[];
  /** Classification: the classes it is tagged with, as indexes into the classes. */
  tags: number[];
}

export interface RunPass {
  inference: InferenceEngine;
  run: { id: string; name: string };
  model: ModelInfo;
  images: readonly TruthImage[];
  classes: readonly EvaluatedClass[];
  multiLabel: boolean;
  /** Look for label errors (the primary run only). */
  thresholds: FindingThresholds | null;
  signal: AbortSignal;
  /** Called as images are done, with how many. */
  progressed(images: number): void;
}

export interface RunOutcome {
  evaluation: RunEvaluation;
  findings: NewFinding[];
  /** The model's confident predictions on each image that has findings: what the labeler will suggest. */
  predictions: Map<number, StoredPrediction[]>;
}

/** Images per predict call: the engine keeps the worker busy within one, and cancel is checked between them. */
const IMAGES_PER_CALL = 32;

export async function evaluateRun(pass: RunPass): Promise<RunOutcome | null> {
  const { model, classes } = pass;
  const indexOf = new Map(classes.map((c, i) => [c.id, i]));
  const detect = model.task === 'detect';
  const detection = detect ? new DetectionAccumulator(classes) : null;
  const classification = detect ? null : new ClassificationAccumulator(classes);
  const failed: RunEvaluation['failed'] = [];
  const findings: NewFinding[] = [];
  const predictionsOf = new Map<number, StoredPrediction[]>();
  const scored = (dets: readonly Detection[]): ScoredBox[] =>
    dets.flatMap((d) => {
      const classIndex = d.classId === null ? undefined : indexOf.get(d.classId);
      return classIndex === undefined ? [] : [{ classIndex, confidence: d.confidence, x: d.x, y: d.y, w: d.w, h: d.h }];
    });

  for (let i = 0; i < pass.images.length; i += IMAGES_PER_CALL) {
    if (pass.signal.aborted) return null;
    const chunk = pass.images.slice(i, i + IMAGES_PER_CALL);
    const result = await pass.inference.predict({
      runId: pass.run.id,
      imageIds: chunk.map((t) => t.imageId),
      conf: CANDIDATE_FLOOR,
      iou: 0.7,
      maxDet: 300,
      topK: 5,
      candidates: false,
    });
    if (pass.signal.aborted) return null;
    result.images.forEach((p, k) => {
      const truth = chunk[k];
      if (p.error) {
        failed.push({ imageId: truth.imageId, reason: p.error.message });
        return;
      }
      const image = { imageId: truth.imageId, name: truth.name, width: p.width, height: p.height };
      let found: NewFinding[] = [];
      if (detection) {
        const predictions = scored(p.detections ?? []);
        detection.add(truth.boxes, predictions);
        if (pass.thresholds) found = detectionFindings(image, truth.boxes, predictions, classes, pass.thresholds);
      } else {
        const ranked = (p.top ?? []).map((t) => ({ classIndex: t.classId === null ? -1 : (indexOf.get(t.classId) ?? -1), confidence: t.confidence }));
        classification!.add(truth.tags, ranked.map((r) => r.classIndex));
        if (pass.thresholds) found = classificationFindings(image, truth.tags, ranked, classes, pass.thresholds);
      }
      if (found.length > 0) {
        findings.push(...found);
        predictionsOf.set(truth.imageId, suggestible(p, truth, classes, pass.thresholds!, pass.multiLabel));
      }
    });
    pass.progressed(chunk.length);
  }
  const metrics = detection ? detection.result() : classification!.result();
  return {
    evaluation: { runId: pass.run.id, runName: pass.run.name, modelPath: model.path, modelId: model.id, metrics, unmatched: model.unmatched, failed },
    findings,
    predictions: predictionsOf,
  };
}

/**
 * What the labeler offers for an image: the boxes (or classes) the model is sure of, less those
 * that only repeat a label already there (accepting all of them must not draw a box twice).
 */
function suggestible(p: ImagePrediction, truth: TruthImage, classes: readonly EvaluatedClass[], t: FindingThresholds, multiLabel: boolean): StoredPrediction[] {
  const floor = Math.min(t.minConfidence, t.missConfidence);
  const classIdOf = (index: number) => classes[index].id;
  const repeatsLabel = (d: Detection) => truth.boxes.some((b) => classIdOf(b.classIndex) === d.classId && boxIou(b, d) >= t.matchIou);
  const boxes: StoredPrediction[] = (p.detections ?? [])
    .filter((d) => d.classId !== null && d.confidence >= floor && d.w > 0 && d.h > 0 && !repeatsLabel(d))
    .map((d) => ({ kind: 'box', classId: d.classId!, confidence: d.confidence, x: d.x, y: d.y, w: d.w, h: d.h }));
  const tagged = new Set(truth.tags.map(classIdOf));
  const top = (p.top ?? []).filter((c) => c.classId !== null);
  const tags: StoredPrediction[] = (multiLabel ? top.filter((c) => c.confidence >= floor) : top.slice(0, 1))
    .filter((c) => !tagged.has(c.classId!))
    .map((c) => ({ kind: 'tag', classId: c.classId!, confidence: c.confidence }));
  return [...boxes, ...tags];
}
