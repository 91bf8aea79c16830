/**
 * What the training charts plot, from epoch records: which series go on which chart, and the
 * aligned columns uPlot takes (one shared x of epochs, one y column per series, null for gaps).
 * Pure, so it is tested without a canvas; building is linear in the epochs, so a chart with
 * 1,000 epochs and several overlaid runs is rebuilt in well under a millisecond per epoch.
 */
import type { EpochRecord } from '@shared';
import { shortMetricName } from './run-data.js';

export type ChartGroup = 'losses' | 'map' | 'pr' | 'lr';
type EpochSection = 'losses' | 'metrics' | 'lr';

export const CHART_GROUPS: { id: ChartGroup; title: string }[] = [
  { id: 'losses', title: 'Losses' },
  { id: 'map', title: 'mAP' },
  { id: 'pr', title: 'Precision and recall' },
  { id: 'lr', title: 'Learning rate' },
];

/** Which chart a value goes on: every loss (train/* and val/*), mAP, precision/recall, LR. */
export function chartGroupOf(section: EpochSection, key: string): ChartGroup {
  if (section === 'lr') return 'lr';
  if (section === 'losses') return 'losses';
  if (key.startsWith('val/') || key.startsWith('train/') || /loss/.test(key)) return 'losses';
  if (/precision|recall/i.test(key)) return 'pr';
  // mAP50, mAP50-95, and for classification the top-1/top-5 accuracies.
  return 'map';
}

export interface ChartRun {
  runId: string;
  /** Shown in the legend when several runs are overlaid. */
  label: string;
  epochs: readonly EpochRecord[];
}

interface ChartSeries {
  runId: string;
  section: EpochSection;
  key: string;
  label: string;
  color: string;
  /** Canvas dash pattern; empty for a solid line. */
  dash: number[];
}

export interface ChartModel {
  group: ChartGroup;
  series: ChartSeries[];
  /** [epochs, ...one column per series]; the columns are new arrays on every build. */
  data: [number[], ...(number | null)[][]];
  /** Non-null points per series, in series order. */
  points: number[];
  /** Changes only when the series change: the chart is made again only then. */
  signature: string;
}

export const RUN_COLORS = ['#4f9cf7', '#f0a35e', '#4fc28a', '#d77ee8', '#f0716b', '#e8d25b', '#5fd3d8', '#a3a8f0', '#c99a6b', '#9bd36a'];
const DASHES: number[][] = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 2], [12, 6]];

/** Order within a chart: train losses before val losses; mAP50 before mAP50-95; pg0, pg1, … */
function seriesOrder(section: EpochSection, key: string): string {
  const rank = section === 'losses' ? 0 : key.startsWith('val/') ? 1 : 2;
  return `${rank}:${key}`;
}

interface SeriesKey {
  section: EpochSection;
  key: string;
  group: ChartGroup;
}

/**
 * The names an epoch record carries, worked out once per record. Records keep their identity
 * from one epoch to the next (logs are appended to, not copied deeply), and nearly all records
 * of a run carry the same names, so each chart build meets only one or two distinct lists.
 */
const namesOfRecord = new WeakMap<EpochRecord, SeriesKey[]>();
const namesByShape = new Map<string, SeriesKey[]>();

function namesOf(e: EpochRecord): SeriesKey[] {
  let names = namesOfRecord.get(e);
  if (names) return names;
  const shape = `${Object.keys(e.losses).join('\n')}\t${Object.keys(e.metrics).join('\n')}\t${Object.keys(e.lr).join('\n')}`;
  names = namesByShape.get(shape);
  if (!names) {
    names = [];
    for (const section of ['losses', 'metrics', 'lr'] as const) {
      for (const key of Object.keys(e[section])) names.push({ section, key, group: chartGroupOf(section, key) });
    }
    namesByShape.set(shape, names);
  }
  namesOfRecord.set(e, names);
  return names;
}

/** The series a group has across these runs, in a stable order. */
function keysOf(group: ChartGroup, runs: readonly ChartRun[]): { section: EpochSection; key: string }[] {
  const lists = new Set<SeriesKey[]>();
  for (const run of runs) for (const e of run.epochs) lists.add(namesOf(e));
  const seen = new Map<string, { section: EpochSection; key: string }>();
  for (const list of lists) {
    for (const k of list) {
      if (k.group !== group) continue;
      const id = `${k.section}|${k.key}`;
      if (!seen.has(id)) seen.set(id, { section: k.section, key: k.key });
    }
  }
  return [...seen.values()].sort((a, b) => (seriesOrder(a.section, a.key) < seriesOrder(b.section, b.key) ? -1 : 1));
}

export function buildChart(group: ChartGroup, runs: readonly ChartRun[]): ChartModel {
  const keys = keysOf(group, runs);
  const overlay = runs.length > 1;
  const series: ChartSeries[] = [];
  runs.forEach((run, r) => {
    keys.forEach((k, i) => {
      const name = shortMetricName(k.key);
      series.push({
        runId: run.runId,
        section: k.section,
        key: k.key,
        label: overlay ? `${run.label} · ${name}` : name,
        // One run: a colour per series. Several: a colour per run, a dash per series.
        color: overlay ? RUN_COLORS[r % RUN_COLORS.length] : RUN_COLORS[i % RUN_COLORS.length],
        dash: overlay ? DASHES[i % DASHES.length] : [],
      });
    });
  });

  // The shared x: every epoch any run has. One run (the usual case): its own epochs, in order.
  const single = runs.length === 1;
  let xs: number[];
  const index = new Map<number, number>();
  if (single) {
    xs = runs[0].epochs.map((e) => e.epoch);
  } else {
    const all = new Set<number>();
    for (const run of runs) for (const e of run.epochs) all.add(e.epoch);
    xs = [...all].sort((a, b) => a - b);
    xs.forEach((x, i) => index.set(x, i));
  }

  const byId = new Map(runs.map((r) => [r.runId, r]));
  const columns: (number | null)[][] = [];
  const points: number[] = [];
  for (const s of series) {
    const column: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    let n = 0;
    const epochs = byId.get(s.runId)!.epochs;
    for (let i = 0; i < epochs.length; i++) {
      const e = epochs[i];
      const v = e[s.section][s.key];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      column[single ? i : index.get(e.epoch)!] = v;
      n++;
    }
    columns.push(column);
    points.push(n);
  }

  const signature = series.map((s) => `${s.runId}|${s.section}|${s.key}|${s.label}|${s.color}`).join(';');
  return { group, series, data: [xs, ...columns], points, signature };
}
