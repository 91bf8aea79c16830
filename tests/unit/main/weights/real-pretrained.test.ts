/**
 * Fine-tuning from pretrained weights with a real Ultralytics (set ULTRALYTICS_PYTHON; skipped
 * otherwise, and says so). No network here has COCO weights, so the test makes its own
 * "pretrained" model: a run trained from scratch on the squares, served as yolo11n.pt by a mirror
 * on 127.0.0.1. Then `reticle train --model yolo11n.pt` fetches it through the mirror, and a second
 * run trains with the mirror gone and, where Linux lets the test make one, in a network namespace
 * with no interfaces, while an audit hook in the runtime's Python records every attempt to reach
 * a host. There must be none.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '@shared';
import { ROOT, ensureCliBuilt, reticle, reticleAsync } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/images.js';
import { squaresProject } from '../training/squares-project.js';
import { startMirror, type Mirror } from './weights-server.js';

const PYTHON = process.env.ULTRALYTICS_PYTHON;
if (!PYTHON) console.log('skipped: ULTRALYTICS_PYTHON is not set, so fine-tuning from pretrained weights with real Ultralytics was not tried');

/** Whether this machine lets an unprivileged test make a network namespace (no interfaces up). */
const NETNS = process.platform === 'linux' && spawnSync('unshare', ['-rn', 'true']).status === 0;

/** A sitecustomize that logs every host the runtime's Python tries to reach. */
function auditHook(log: string): string {
  const dir = tempDir('net-audit-');
  fs.writeFileSync(
    path.join(dir, 'sitecustomize.py'),
    `import sys, socket
LOG = ${JSON.stringify(log)}
def _hook(event, args):
    if event == "socket.connect" and args[0].family in (socket.AF_INET, socket.AF_INET6):
        open(LOG, "a").write(f"connect {args[1]!r}\\n")
    elif event == "socket.getaddrinfo":
        open(LOG, "a").write(f"getaddrinfo {args[0]!r}\\n")
    elif event == "urllib.Request":
        open(LOG, "a").write(f"urllib {args[0]!r}\\n")
sys.addaudithook(_hook)
`,
  );
  return dir;
}

const mirrors: Mirror[] = [];
afterEach(async () => {
  for (const m of mirrors.splice(0)) await m.close();
});

function result(stdout: string): RunSummary {
  return (JSON.parse(stdout.trim().split('\n').at(-1)!) as { run: RunSummary }).run;
}

describe('fine-tuning from pretrained weights with real Ultralytics', () => {
  beforeAll(() => {
    if (PYTHON) ensureCliBuilt();
  }, 120_000);

  it.skipIf(!PYTHON)('fetches yolo11n.pt through the mirror, fine-tunes from it, and trains offline with no download attempt', async () => {
    const home = { ULTRALYTICS_PYTHON: PYTHON!, RETICLE_HOME: tempDir('reticle-home-') };
    const dir = await squaresProject(home);
    // The stand-in for COCO weights: one quick run from scratch.
    const scratch = reticle(['train', dir, '--model', 'yolo11n.yaml', '--epochs', '1', '--imgsz', '64', '--batch', '8', '--device', 'cpu', '--json'], home);
    expect(scratch.code, scratch.stderr.slice(-2000)).toBe(0);
    const best = path.join(dir, 'runs', result(scratch.stdout).id, 'train', 'weights', 'best.pt');

    const mirror = await startMirror();
    mirrors.push(mirror);
    mirror.put('yolo11n.pt', fs.readFileSync(best));
    const env = { ...home, RETICLE_WEIGHTS_MIRROR: mirror.url };
    const first = await reticleAsync(['train', dir, '--model', 'yolo11n.pt', '--epochs', '2', '--imgsz', '128', '--batch', '8', '--device', 'cpu', '--json'], env);
    expect(first.code, first.stderr.slice(-2000)).toBe(0);
    const run = result(first.stdout);
    expect(run).toMatchObject({ status: 'completed', epochsDone: 2, model: `yolo11n.pt (pretrained, from ${mirror.url}/yolo11n.pt)` });
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'runs', run.id, 'spec.json'), 'utf8'));
    expect(spec.model_source).toMatchObject({ name: 'yolo11n.pt', from: `${mirror.url}/yolo11n.pt` });
    expect(spec.model).toBe(path.join(home.RETICLE_HOME, 'weights', 'yolo11n.pt'));

    await mirror.close();
    const log = path.join(tempDir('net-log-'), 'attempts.log');
    const offlineEnv = { ...env, PYTHONPATH: auditHook(log) };
    const args = [path.join(ROOT, 'bin/reticle.mjs'), 'train', dir, '--model', 'yolo11n.pt', '--epochs', '1', '--imgsz', '128', '--batch', '8', '--device', 'cpu', '--json'];
    const offline = NETNS
      ? spawnSync('unshare', ['-rn', process.execPath, ...args], { cwd: ROOT, env: { ...process.env, ...offlineEnv }, encoding: 'utf8', timeout: 240_000 })
      : spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...offlineEnv }, encoding: 'utf8', timeout: 240_000 });
    if (!NETNS) console.log('note: no network namespace here (unshare -rn failed); the offline run relies on the audit hook alone');
    expect(offline.status, offline.stderr.slice(-2000)).toBe(0);
    expect(result(offline.stdout)).toMatchObject({ status: 'completed' });
    expect(fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '').toBe('');
  }, 600_000);
});
