/**
 * `reticle weights list|pull|add|remove`: the studio's weights library from a terminal, through
 * the same contract as the Weights panel. `reticle train --model yolo11n.pt` pulls through
 * `ensureWeights` here when the library lacks the file.
 */
import path from 'node:path';
import { StudioError, type JobProgress, type StudioApi, type WeightsEntry, type WeightsLibraryState, type WeightsReport } from '@shared';
import { UsageError, parse, print, waitForJob, withStudio } from './common.js';
import { ProgressLine } from './output.js';

export const WEIGHTS_USAGE = `
Weights library (pretrained and your own .pt files, in ~/.reticle/weights or $RETICLE_HOME/weights):
  reticle weights list [--json]
  reticle weights pull NAME [--json]          fetch yolo11n.pt, yolo26s-cls.pt, ... (resumes a cut fetch)
  reticle weights add PATH [--json]           a .pt file, or a folder of them (an offline weights pack)
  reticle weights remove NAME [--json]

  Downloads come from Ultralytics' releases, or from RETICLE_WEIGHTS_MIRROR=https://host/path/
  (a folder URL serving the files by name). Every file is loaded by the runtime before it joins
  the library. Training and auto-label never download by themselves.
`;

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function describeEntry(e: WeightsEntry): string {
  const from = e.source.kind === 'download' ? e.source.url : `${e.source.path} (added)`;
  return `${e.name.padEnd(18)} ${megabytes(e.bytes).padStart(9)}  ${e.task.padEnd(8)} ${String(e.classes.length).padStart(4)} classes  from ${from}`;
}

function formatLibrary(s: WeightsLibraryState): string {
  const source = s.source.kind === 'mirror' ? `mirror ${s.source.url} (from ${s.source.from === 'env' ? 'RETICLE_WEIGHTS_MIRROR' : 'the setting'})` : `Ultralytics' releases (${s.source.url})`;
  const lines = [`library: ${s.dir}`, `downloads from: ${source}`];
  if (s.entries.length === 0) lines.push('no weights yet: reticle weights pull yolo11n.pt, or reticle weights add PATH');
  else lines.push(...s.entries.map(describeEntry));
  return lines.join('\n');
}

function formatReport(r: WeightsReport): string {
  const lines = r.added.map((e) => `added ${describeEntry(e)}`);
  for (const f of r.refused) lines.push(`refused ${f.path}: ${f.message}`);
  return lines.join('\n') || 'nothing added';
}

function byteProgress(progress: ProgressLine) {
  return (p: JobProgress) => progress.text(p.phase === 'finishing' ? `${p.current ?? 'checking'}…` : `${p.current ?? ''} ${megabytes(p.done)}${p.total > p.done ? ` of ${megabytes(p.total)} (${Math.floor((100 * p.done) / p.total)}%)` : ''}`);
}

/** Runs a weights job to its end. @throws StudioError when it failed; a cancel is a `cancelled` error */
async function runWeightsJob(api: StudioApi, jobId: string, label: string): Promise<WeightsReport> {
  const progress = new ProgressLine(label);
  const result = await waitForJob(api, jobId, progress, byteProgress(progress));
  if (result.status === 'failed') throw new StudioError(result.error.code, result.error.message);
  if (result.status === 'cancelled') throw new StudioError('cancelled', 'Cancelled; a cut fetch resumes where it stopped next time.');
  if (result.kind !== 'weights') throw new StudioError('internal', `a weights job ended as ${result.kind}`);
  return result.report;
}

/** The library's entry for `name`, fetched first when it is not there yet. */
export async function ensureWeights(api: StudioApi, name: string): Promise<WeightsEntry> {
  const have = (await api.weights.list()).entries.find((e) => e.name === name);
  if (have) return have;
  process.stderr.write(`weights: ${name} is not in the library yet; fetching it\n`);
  const report = await runWeightsJob(api, (await api.weights.pull({ name })).jobId, 'weights');
  return report.added[0]!;
}

async function cmdWeights(argv: string[]): Promise<number> {
  const { positionals, values } = parse(argv, {});
  const json = Boolean(values.json);
  const [sub, arg, ...extra] = positionals;
  if (extra.length) throw new UsageError(`reticle weights ${sub} takes one argument`);
  return withStudio(async (api) => {
    switch (sub) {
      case 'list':
      case undefined: {
        const state = await api.weights.list();
        print(json, state, formatLibrary(state));
        return 0;
      }
      case 'pull': {
        if (!arg) throw new UsageError('reticle weights pull NAME, such as yolo11n.pt');
        const report = await runWeightsJob(api, (await api.weights.pull({ name: arg })).jobId, 'pull');
        print(json, report, formatReport(report));
        return 0;
      }
      case 'add': {
        if (!arg) throw new UsageError('reticle weights add PATH: a .pt file or a folder of them');
        const report = await runWeightsJob(api, (await api.weights.add({ path: path.resolve(arg) })).jobId, 'add');
        print(json, report, formatReport(report));
        return report.refused.length > 0 ? 1 : 0;
      }
      case 'remove': {
        if (!arg) throw new UsageError('reticle weights remove NAME');
        const state = await api.weights.remove({ name: arg });
        print(json, state, `removed ${arg}`);
        return 0;
      }
      default:
        throw new UsageError(`unknown weights command "${sub}": list, pull, add or remove`);
    }
  });
}

export const WEIGHTS_COMMANDS: Record<string, (argv: string[]) => Promise<number>> = { weights: cmdWeights };
