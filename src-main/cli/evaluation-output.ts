/** How an evaluation reads in a terminal: the figures per class, side by side with a compared run, and the likely label errors. */
import path from 'node:path';
import type { ClassEvaluation, Evaluation, Finding, FindingPage, RunEvaluation } from '@shared';

/** Confusion matrices are printed up to this many classes (a wider one does not fit a terminal). */
const CONFUSION_PRINT_LIMIT = 12;

const num = (v: number) => v.toFixed(3);

function table(rows: string[][], rightFrom = 1): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i >= rightFrom ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

/** A run's cells of one row: a class's figures, or with 'all' the means. */
function metricCells(e: RunEvaluation, c: ClassEvaluation | 'all' | undefined): string[] {
  const m = e.metrics;
  const width = m.task === 'classify' ? 2 : 4;
  if (c === undefined || (c === 'all' && m.task === 'classify')) return new Array<string>(width).fill('–');
  if (c === 'all') return m.task === 'detect' ? [num(m.precision), num(m.recall), num(m.map50), num(m.map50_95)] : [];
  return m.task === 'classify' ? [num(c.precision), num(c.recall)] : [num(c.precision), num(c.recall), num(c.ap50), num(c.ap50_95)];
}

function figures(evaluation: Evaluation): string {
  const runs = [evaluation.primary, ...(evaluation.compare ? [evaluation.compare] : [])];
  const classify = evaluation.primary.metrics.task === 'classify';
  const heads = classify ? ['P', 'R'] : ['P', 'R', 'AP50', 'AP50-95'];
  const header = ['class', 'images', 'instances', ...runs.flatMap((r) => heads.map((h) => (runs.length > 1 ? `${h} ${runs.indexOf(r) + 1}` : h)))];
  const perClass = evaluation.primary.metrics.perClass;
  const instances = perClass.reduce((s, c) => s + c.instances, 0);
  // A classifier's overall figures are its accuracies, on the line below the table.
  const rows = [header, ...(classify ? [] : [['all', String(evaluation.images), String(instances), ...runs.flatMap((r) => metricCells(r, 'all'))]])];
  for (const c of perClass) {
    rows.push([c.name, String(c.images), String(c.instances), ...runs.flatMap((r) => metricCells(r, r.metrics.perClass.find((x) => x.classId === c.classId)))]);
  }
  const lines = [table(rows, 1)];
  for (const [i, r] of runs.entries()) {
    const m = r.metrics;
    const who = runs.length > 1 ? `${i + 1}: ` : '';
    if (m.task === 'detect') lines.push(`${who}${r.runName}: mAP50 ${num(m.map50)}, mAP50-95 ${num(m.map50_95)}; best F1 ${num(m.f1)} at confidence ${num(m.bestConfidence)}`);
    else lines.push(`${who}${r.runName}: top-1 accuracy ${num(m.top1)}, top-5 ${num(m.top5)}`);
    if (r.unmatched.length) lines.push(`   model classes the project lacks, left out: ${r.unmatched.join(', ')}`);
    if (r.failed.length) lines.push(`   ${r.failed.length} image${r.failed.length === 1 ? '' : 's'} could not be read (first: image ${r.failed[0].imageId}: ${r.failed[0].reason})`);
  }
  return lines.join('\n');
}

function confusion(e: RunEvaluation): string | null {
  const c = e.metrics.confusion;
  if (!c || c.names.length > CONFUSION_PRINT_LIMIT + 1) return null;
  const rows = [['predicted \\ true', ...c.names], ...c.matrix.map((row, i) => [c.names[i], ...row.map((v) => String(v))])];
  return `Confusion matrix of ${e.runName} (rows predicted, columns true${e.metrics.task === 'detect' ? '; conf > 0.25, IoU > 0.45' : ''}):\n${table(rows, 1)}`;
}

const box = (b: { x?: number; y?: number; w?: number; h?: number }) => (b.x === undefined ? '' : ` at [${[b.x, b.y!, b.x + b.w!, b.y! + b.h!].map((v) => Math.round(v)).join(', ')}]`);

export function describeFinding(f: Finding): string {
  const where = `image ${f.imageId} ${path.basename(f.imageName)}`;
  if (f.kind === 'extra') return `${where}: a ${f.predicted!.className} nobody drew (confidence ${num(f.confidence!)})${box(f.predicted!)}`;
  if (f.kind === 'missed') return `${where}: the drawn ${f.label!.className} is not found (best overlap ${num(f.iou ?? 0)})${box(f.label!)}`;
  return `${where}: labeled ${f.label!.className}, the model says ${f.predicted!.className} (confidence ${num(f.confidence!)})${box(f.label!)}`;
}

function findingsText(evaluation: Evaluation, page: FindingPage): string {
  const k = evaluation.findings;
  const total = k.extra + k.missed + k.class;
  const lines = [
    `Likely label errors: ${total} (${k.extra} boxes nobody drew, ${k.missed} drawn boxes not found, ${k.class} class disagreements)${page.ignored ? `; ${page.ignored} ignored` : ''}`,
  ];
  page.items.forEach((f, i) => lines.push(`  ${String(page.offset + i + 1).padStart(3)}. ${describeFinding(f)}`));
  if (page.total > page.offset + page.items.length) lines.push(`  … and ${page.total - page.offset - page.items.length} more (--findings N shows more; the Evaluation page shows them all)`);
  return lines.join('\n');
}

export function formatEvaluation(evaluation: Evaluation, page: FindingPage): string {
  const where = evaluation.imageSource === 'chosen' ? 'chosen images' : `${evaluation.split} images of ${evaluation.imageSource === 'run' ? "the run's frozen dataset" : "the project's split"}`;
  const compared = evaluation.compare ? `, compared with 2: ${evaluation.compare.runName} (${evaluation.compare.runId})` : '';
  const lines = [`Evaluated 1: ${evaluation.primary.runName} (${evaluation.primary.runId}) on ${evaluation.images} ${where}${compared}`, '', figures(evaluation)];
  for (const r of [evaluation.primary, evaluation.compare]) {
    const text = r && confusion(r);
    if (text) lines.push('', text);
  }
  lines.push('', findingsText(evaluation, page));
  return lines.join('\n');
}
