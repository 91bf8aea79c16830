/** How training and the runtime read in a terminal. */
import type { EpochRecord, RunDetail, RunSummary, RuntimeStatus, TrainingProgress } from '@shared';

/** `metrics/mAP50-95(B)` → `mAP50-95`, `train/box_loss` → `box`. */
function shortName(key: string): string {
  return key
    .replace(/^(metrics|train|val|lr)\//, '')
    .replace(/\([A-Z]\)$/, '')
    .replace(/_loss$/, '');
}

function num(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined ? '–' : v.toFixed(digits);
}

function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** `epoch  3/10  box 1.234 cls 0.567 dfl 0.890 | P 0.5 R 0.4 mAP50 0.3 mAP50-95 0.2 | 12 s, 1m30s left` */
export function formatEpoch(e: EpochRecord): string {
  const width = String(e.epochs).length;
  const losses = Object.entries(e.losses)
    .map(([k, v]) => `${shortName(k)} ${num(v)}`)
    .join(' ');
  const metrics = Object.entries(e.metrics)
    .filter(([k]) => !k.startsWith('val/'))
    .map(([k, v]) => `${shortName(k).replace('precision', 'P').replace('recall', 'R')} ${num(v)}`)
    .join(' ');
  const time = `${duration(e.epochSeconds)}${e.etaSeconds ? `, ${duration(e.etaSeconds)} left` : ''}`;
  return `epoch ${String(e.epoch).padStart(width)}/${e.epochs}  ${losses} | ${metrics} | ${time}${e.partial ? ' (cut short by the stop)' : ''}`;
}

export function formatProgress(p: TrainingProgress): string {
  const losses = Object.entries(p.losses)
    .map(([k, v]) => `${shortName(k)} ${num(v)}`)
    .join(' ');
  return `epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches}  ${losses}`;
}

function bestText(best: RunSummary['best']): string {
  if (!best) return '–';
  const map = best.metrics['metrics/mAP50-95(B)'] ?? best.metrics['metrics/accuracy_top1'];
  return `${num(map)} (epoch ${best.epoch})`;
}

export function formatRunTable(runs: RunSummary[]): string {
  if (runs.length === 0) return 'No training runs yet. Start one with: reticle train DIR --model yolo11n.yaml --epochs 100';
  const rows = runs.map((r) => [r.id, r.name, r.status + (r.resumable ? ' (resumable)' : ''), `${r.epochsDone}/${r.epochs}`, bestText(r.best), r.model, r.createdAt.slice(0, 16).replace('T', ' ')]);
  const head = ['ID', 'NAME', 'STATUS', 'EPOCHS', 'BEST', 'MODEL', 'CREATED'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export function formatRunEnd(run: RunDetail): string {
  const lines = [`${run.name} (${run.id}): ${run.status}, ${run.epochsDone}/${run.epochs} epochs${run.device ? ` on ${run.device}` : ''}`];
  if (run.best) lines.push(`  best: ${bestText(run.best)}`);
  if (run.results) {
    const m = Object.entries(run.results.metrics)
      .filter(([k]) => !k.startsWith('val/'))
      .map(([k, v]) => `${shortName(k)} ${num(v)}`)
      .join(', ');
    if (m) lines.push(`  final validation of best.pt: ${m}`);
  }
  if (run.error) {
    lines.push(`  error: ${run.error.message}`);
    if (run.error.hint) lines.push(`  ${run.error.hint}`);
  }
  for (const a of run.artifacts) lines.push(`  ${a.kind}: ${a.path}`);
  if (run.resumable) lines.push(`  resume it with: reticle resume <project> ${run.id}`);
  return lines.join('\n');
}

/** The command that does what an action says, for a terminal. */
function withCommand(action: string): string {
  if (action.startsWith('Recreate the runtime')) return `${action} (reticle runtime install --recreate)`;
  if (action.startsWith('Install the runtime again')) return `${action} (reticle runtime install --reinstall)`;
  if (action.startsWith('Install the runtime')) return `${action} (reticle runtime install)`;
  if (action.startsWith('Choose another Python')) return `${action} (reticle runtime check --python PATH tries one)`;
  return action;
}

export function formatRuntimeStatus(s: RuntimeStatus): string {
  const lines = [`runtime: ${s.ready ? 'ready' : 'not ready'}${s.python ? ` (${s.python}, ${s.source})` : ''}`];
  if (s.env) {
    lines.push(`  Python ${s.env.python}, PyTorch ${s.env.torch ?? 'missing'}, Ultralytics ${s.env.ultralytics ?? 'missing'} (${s.env.platform})`);
    for (const d of s.env.cuda?.devices ?? []) lines.push(`  GPU ${d.index}: ${d.name}, ${(d.memory_bytes / 2 ** 30).toFixed(1)} GiB, sm ${d.capability}: ${d.works ? 'works' : `does not work (${d.error})`}`);
    if (s.env.mps?.available) lines.push(`  Apple MPS: ${s.env.mps.works ? 'works' : `does not work (${s.env.mps.error})`}`);
    if (s.env.cpu) lines.push(`  CPU: ${s.env.cpu.works ? 'works' : `does not work (${s.env.cpu.error})`}`);
  }
  if (s.bestDevice) lines.push(`  trains on: ${s.bestDevice === 'cpu' ? 'the CPU' : s.bestDevice === 'mps' ? 'Apple MPS' : `GPU ${s.bestDevice}`}`);
  for (const p of s.problems) lines.push(`  problem: ${p.message}\n    ${withCommand(p.action)}`);
  return lines.join('\n');
}
