/**
 * bench/charts: what the training charts cost while a run goes on. Epochs arrive one at a time,
 * 1,000 of them, and after each the four charts (losses, mAP, precision/recall, learning rate)
 * are built again from the whole log, as the Training tab does. Prints the total, and the time of
 * one round of four builds at epoch 1,000. (The unit test checks what is plotted; how fast it is
 * plotted is measured here, not asserted in a test.)
 *
 *   npm run bench:charts [-- --epochs 1000 --runs 1]
 */
import os from 'node:os';
import type { EpochRecord } from '@shared';
import { buildChart, type ChartGroup, type ChartRun } from '../src-renderer/training/chart-data.js';
import { appendEpoch } from '../src-renderer/training/run-data.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EPOCHS = arg('--epochs', 1000);
/** Runs overlaid on the same charts (1: the usual case). */
const RUNS = arg('--runs', 1);
const GROUPS: ChartGroup[] = ['losses', 'map', 'pr', 'lr'];

function epoch(n: number): EpochRecord {
  return {
    epoch: n,
    epochs: EPOCHS,
    losses: { 'train/box_loss': 1 / n, 'train/cls_loss': 2 / n, 'train/dfl_loss': 1 },
    metrics: { 'metrics/precision(B)': 0.5, 'metrics/recall(B)': 0.4, 'metrics/mAP50(B)': n / 2000, 'metrics/mAP50-95(B)': n / 4000, 'val/box_loss': 1.1 / n, 'val/cls_loss': null, 'val/dfl_loss': 1 },
    lr: { 'lr/pg0': 0.01, 'lr/pg1': 0.01, 'lr/pg2': 0.001 },
    epochSeconds: 1,
    elapsedSeconds: n,
    etaSeconds: EPOCHS - n,
    t: n,
    partial: false,
  };
}

const others: ChartRun[] = Array.from({ length: RUNS - 1 }, (_, r) => ({ runId: `other${r}`, label: `other ${r}`, epochs: Array.from({ length: EPOCHS }, (_, i) => epoch(i + 1)) }));
let log: EpochRecord[] = [];
const started = performance.now();
for (let n = 1; n <= EPOCHS; n++) {
  log = appendEpoch(log, epoch(n));
  for (const group of GROUPS) buildChart(group, [{ runId: 'live', label: 'live', epochs: log }, ...others]);
}
const total = performance.now() - started;

const ROUNDS = 50;
const t0 = performance.now();
for (let i = 0; i < ROUNDS; i++) for (const group of GROUPS) buildChart(group, [{ runId: 'live', label: 'live', epochs: log }, ...others]);
const lastRound = (performance.now() - t0) / ROUNDS;

console.log(`bench/charts: Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}; ${EPOCHS} epochs, ${RUNS} run(s) on each chart`);
console.log(`  ${EPOCHS} epochs one at a time, the 4 charts built after each: ${total.toFixed(0)} ms in all (${((total / EPOCHS / GROUPS.length) * 1000).toFixed(0)} µs a build)`);
console.log(`  the 4 charts at epoch ${EPOCHS}: ${lastRound.toFixed(2)} ms a round`);
