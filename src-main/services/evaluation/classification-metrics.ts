/**
 * A classifier's figures over a set of images, as Ultralytics' `ClassifyMetrics` and its
 * confusion matrix count them: top-1 and top-5 accuracy, and the top-1 class against the true one.
 * In a multi-label project a prediction is right when it is any of the image's tags, and only
 * images with one tag go into the confusion matrix.
 */
import type { ClassEvaluation, ClassificationEvaluation } from '@shared';
import type { EvaluatedClass } from './detection-metrics.js';

const CONFUSION_LIMIT = 300;

export class ClassificationAccumulator {
  private images = 0;
  private top1 = 0;
  private top5 = 0;
  private readonly tagged: number[];
  private readonly matrix: number[][];

  constructor(private readonly classes: readonly EvaluatedClass[]) {
    this.tagged = classes.map(() => 0);
    this.matrix = Array.from({ length: classes.length }, () => new Array<number>(classes.length).fill(0));
  }

  /**
   * One image: its tags and the model's classes by probability, highest first, each as an index
   * into the classes (-1 where the project has no class of the model's name).
   */
  add(tags: readonly number[], ranked: readonly number[]): void {
    if (tags.length === 0) return;
    this.images++;
    const truth = new Set(tags);
    if (ranked.length > 0 && truth.has(ranked[0])) this.top1++;
    if (ranked.slice(0, 5).some((c) => truth.has(c))) this.top5++;
    for (const t of truth) this.tagged[t]++;
    if (truth.size === 1 && ranked.length > 0 && ranked[0] >= 0) this.matrix[ranked[0]][tags[0]]++;
  }

  result(): ClassificationEvaluation {
    const n = this.classes.length;
    const perClass: ClassEvaluation[] = [];
    for (let c = 0; c < n; c++) {
      if (this.tagged[c] === 0) continue;
      const predicted = this.matrix[c].reduce((a, b) => a + b, 0);
      const actual = this.matrix.reduce((s, row) => s + row[c], 0);
      const tp = this.matrix[c][c];
      const precision = predicted > 0 ? tp / predicted : 0;
      const recall = actual > 0 ? tp / actual : 0;
      perClass.push({
        classId: this.classes[c].id,
        name: this.classes[c].name,
        images: this.tagged[c],
        instances: this.tagged[c],
        precision,
        recall,
        f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
        ap50: 0,
        ap50_95: 0,
      });
    }
    return {
      task: 'classify',
      top1: this.images ? this.top1 / this.images : 0,
      top5: this.images ? this.top5 / this.images : 0,
      perClass,
      confusion: n <= CONFUSION_LIMIT ? { names: this.classes.map((c) => c.name), matrix: this.matrix } : null,
    };
  }
}
