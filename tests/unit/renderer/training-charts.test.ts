/** What the training charts plot: series per chart, aligned columns, overlays, and 1,000 epochs. */
import { describe, expect, it } from 'vitest';
import type { EpochRecord } from '@shared';
import { buildChart, chartGroupOf } from '../../../src-renderer/training/chart-data.js';
import { appendEpoch, mergeEpochLogs, metricValue } from '../../../src-renderer/training/run-data.js';
import { matrixView } from '../../../src-renderer/training/ConfusionMatrix.js';

function epoch(n: number, patch: Partial<EpochRecord> = {}): EpochRecord {
  return {
    epoch: n,
    epochs: 1000,
    losses: { 'train/box_loss': 1 / n, 'train/cls_loss': 2 / n, 'train/dfl_loss': 1 },
    metrics: { 'metrics/precision(B)': 0.5, 'metrics/recall(B)': 0.4, 'metrics/mAP50(B)': n / 2000, 'metrics/mAP50-95(B)': n / 4000, 'val/box_loss': 1.1 / n, 'val/cls_loss': null, 'val/dfl_loss': 1 },
    lr: { 'lr/pg0': 0.01, 'lr/pg1': 0.01, 'lr/pg2': 0.001 },
    epochSeconds: 1,
    elapsedSeconds: n,
    etaSeconds: 1000 - n,
    t: n,
    partial: false,
    ...patch,
  };
}

describe('training charts', () => {
  it('groups every loss, mAP, precision/recall and the learning rate', () => {
    expect(chartGroupOf('losses', 'train/box_loss')).toBe('losses');
    expect(chartGroupOf('metrics', 'val/cls_loss')).toBe('losses');
    expect(chartGroupOf('metrics', 'metrics/mAP50(B)')).toBe('map');
    expect(chartGroupOf('metrics', 'metrics/mAP50-95(B)')).toBe('map');
    expect(chartGroupOf('metrics', 'metrics/precision(B)')).toBe('pr');
    expect(chartGroupOf('metrics', 'metrics/recall(B)')).toBe('pr');
    expect(chartGroupOf('lr', 'lr/pg0')).toBe('lr');

    const run = { runId: 'r', label: 'r', epochs: [epoch(1), epoch(2), epoch(3)] };
    const losses = buildChart('losses', [run]);
    expect(losses.series.map((s) => s.label)).toEqual(['train/box_loss', 'train/cls_loss', 'train/dfl_loss', 'val/box_loss', 'val/cls_loss', 'val/dfl_loss']);
    expect(losses.data[0]).toEqual([1, 2, 3]);
    // NaN arrives as null: a gap, not a point.
    expect(losses.points).toEqual([3, 3, 3, 3, 0, 3]);
    expect(buildChart('map', [run]).series.map((s) => s.label)).toEqual(['mAP50', 'mAP50-95']);
    expect(buildChart('pr', [run]).series.map((s) => s.label)).toEqual(['precision', 'recall']);
    expect(buildChart('lr', [run]).series.map((s) => s.label)).toEqual(['lr pg0', 'lr pg1', 'lr pg2']);
  });

  it('keeps its signature while epochs are added, so the chart is not made again', () => {
    const one = buildChart('map', [{ runId: 'r', label: 'r', epochs: [epoch(1)] }]);
    const two = buildChart('map', [{ runId: 'r', label: 'r', epochs: [epoch(1), epoch(2)] }]);
    expect(two.signature).toBe(one.signature);
    expect(two.data[0]).toHaveLength(2);
  });

  it('overlays runs on one x axis, a colour per run', () => {
    const a = { runId: 'a', label: 'A', epochs: [epoch(1), epoch(2), epoch(3)] };
    const b = { runId: 'b', label: 'B', epochs: [epoch(1), epoch(2), epoch(3), epoch(4), epoch(5)] };
    const chart = buildChart('map', [a, b]);
    expect(chart.series.map((s) => s.label)).toEqual(['A · mAP50', 'A · mAP50-95', 'B · mAP50', 'B · mAP50-95']);
    expect(chart.data[0]).toEqual([1, 2, 3, 4, 5]);
    expect(chart.data[1]).toEqual([1 / 2000, 2 / 2000, 3 / 2000, null, null]);
    expect(chart.points).toEqual([3, 3, 5, 5]);
    expect(new Set(chart.series.filter((s) => s.runId === 'a').map((s) => s.color)).size).toBe(1);
    expect(chart.series[0].color).not.toBe(chart.series[2].color);
  });

  it('takes 1,000 epochs one at a time: every chart gains the epoch and is never made again', () => {
    // How long these builds take is bench/charts.ts's business; here, what the user sees.
    const groups = ['losses', 'map', 'pr', 'lr'] as const;
    const first = new Map(groups.map((g) => [g, buildChart(g, [{ runId: 'r', label: 'r', epochs: [epoch(1)] }])]));
    let log: EpochRecord[] = [];
    for (let n = 1; n <= 1000; n++) {
      log = appendEpoch(log, epoch(n));
      for (const group of groups) {
        const chart = buildChart(group, [{ runId: 'r', label: 'r', epochs: log }]);
        // Same series, so the same chart takes the new columns; and the newest epoch is plotted.
        expect(chart.signature).toBe(first.get(group)!.signature);
        expect(chart.data[0]).toHaveLength(n);
        expect(chart.data[0][n - 1]).toBe(n);
      }
    }
    const losses = buildChart('losses', [{ runId: 'r', label: 'r', epochs: log }]);
    expect(losses.data[1][999]).toBe(1 / 1000);
    expect(losses.points).toEqual([1000, 1000, 1000, 1000, 0, 1000]);
    expect(buildChart('map', [{ runId: 'r', label: 'r', epochs: log }]).data[1][999]).toBe(1000 / 2000);
  });

  it('merges a stored log with live epochs, the later record winning', () => {
    const merged = mergeEpochLogs([epoch(1), epoch(2, { t: 5 })], [epoch(2, { t: 9, partial: true }), epoch(3)]);
    expect(merged.map((e) => [e.epoch, e.t])).toEqual([
      [1, 1],
      [2, 9],
      [3, 3],
    ]);
  });

  it('finds metrics by their short names', () => {
    expect(metricValue({ 'metrics/mAP50-95(B)': 0.5, 'metrics/mAP50(B)': 0.7 }, 'mAP50')).toBe(0.7);
    expect(metricValue({ 'metrics/mAP50-95(B)': 0.5 }, 'mAP50-95')).toBe(0.5);
    expect(metricValue(null, 'mAP50')).toBeNull();
  });

  it('normalizes the confusion matrix per column (each true class)', () => {
    const matrix = [
      [8, 1, 2],
      [2, 3, 0],
      [0, 0, 0],
    ];
    expect(matrixView(matrix, false)).toEqual({ values: matrix, max: 8 });
    const view = matrixView(matrix, true);
    expect(view.values[0]).toEqual([0.8, 0.25, 1]);
    expect(view.values[1]).toEqual([0.2, 0.75, 0]);
    expect(view.max).toBe(1);
  });
});
