/**
 * bench/crash: SIGKILLs a process in the middle of labeling and importing, again and again, and
 * checks after every kill that the project opens, passes `PRAGMA integrity_check`, lost no
 * committed edit and shows no half gesture (tests/unit/main/faults/kill-loop.ts says what is
 * checked). Prints the kills, the checks passed, the edits verified and the time per kill.
 *
 * A second process labels the same project the whole time and is never killed (leave it out
 * with --alone): its committed gestures are checked after every kill too, so the figures hold for
 * two processes on one project, as when a studio is open while `reticle import` runs.
 *
 *   npm run bench:crash [-- --kills 200 --seed 7 --alone]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runKillLoop, type KillRecord } from '../tests/unit/main/faults/kill-loop.js';

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

const KILLS = arg('kills', 200);
const SEED = arg('seed', 7);
const IMAGES_PER_BATCH = 4;
const CONCURRENT = !process.argv.includes('--alone');

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-bench-crash-'));
console.log(`bench:crash — ${KILLS} SIGKILLs mid-write (seed ${SEED}), ${CONCURRENT ? 'with' : 'without'} a second process writing; ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.versions.node}`);
try {
  const result = await runKillLoop(work, {
    kills: KILLS,
    seed: SEED,
    // Enough batches that imports go on until the last kill.
    batches: Math.ceil(KILLS * 1.5),
    imagesPerBatch: IMAGES_PER_BATCH,
    concurrentWriter: CONCURRENT,
    onKill: (k: KillRecord) => {
      if ((k.index + 1) % 20 === 0 || k.index + 1 === KILLS) console.log(`  ${k.index + 1} kills, all checks passed`);
    },
  });
  const kills = result.kills;
  const during = (d: KillRecord['during']) => kills.filter((k) => k.during === d).length;
  const gestures = kills.filter((k) => k.during === 'gesture');
  const ms = kills.map((k) => k.ms);
  const verify = kills.map((k) => k.verifyMs);
  console.log('');
  console.log(`kills                 ${kills.length}: ${during('gesture')} mid-gesture, ${during('import')} mid-import, ${during('idle')} between steps or starting up`);
  console.log(
    `gestures cut off      ${gestures.length}: ${gestures.filter((k) => k.inFlightCommitted).length} had committed (found whole), ${gestures.filter((k) => k.inFlightCommitted === false).length} had not (found absent), 0 half`,
  );
  if (CONCURRENT) console.log(`concurrent writer     ${result.concurrentGestures} gestures committed by the process never killed, every one found intact after every kill`);
  console.log(`checks passed         ${result.checks} (0 failed)`);
  console.log(`edits verified        ${result.gesturesCommitted} committed gestures, none lost; ${result.rowsCompared} box rows compared exactly over all kills`);
  console.log(`imports               ${result.importsCompleted} completed; ${result.images} images, ${result.annotations} annotations at the end, none twice`);
  console.log(`temporary files       ${result.tempFilesCleaned} left by kills, all removed when the project was opened`);
  console.log(`orphan media files    at most ${result.orphanMedia} after a kill (written before their row; the next import uses them)`);
  console.log(`time per kill         mean ${(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(0)} ms, p50 ${percentile(ms, 0.5)} ms, p95 ${percentile(ms, 0.95)} ms (child start-up, work until the kill, checks)`);
  console.log(`checks per kill       p50 ${percentile(verify, 0.5)} ms, p95 ${percentile(verify, 0.95)} ms`);
  console.log(`total                 ${(result.totalMs / 1000).toFixed(1)} s`);
} catch (err) {
  console.error(`FAILED: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
