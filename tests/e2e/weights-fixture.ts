/**
 * Pretrained weights for end-to-end tests: the environment that makes `reticle serve`'s runtime
 * the Ultralytics test double (python-runtime/tests/doubles), and a file that double loads as a
 * pretrained detector.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './serve-fixture.js';

/** python3's own path, as ULTRALYTICS_PYTHON names an interpreter. */
const PYTHON3 = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();

/** For `startReticleServe({ env })`: the runtime is the Ultralytics test double, on the CPU. */
export const DOUBLE_RUNTIME_ENV: Record<string, string> = {
  ULTRALYTICS_PYTHON: PYTHON3,
  PYTHONPATH: path.join(ROOT, 'python-runtime/tests/doubles'),
  TORCH_DOUBLE_PROFILE: 'cpu',
};

/**
 * A file the runtime's test double loads as a pretrained detector of these classes: its
 * checkpoint JSON in a zip, as torch saves (python-runtime/tests/test_inspect.py, `pretrained()`).
 * Its size is even, so that a fetch held at half of it is at 50%.
 */
export function pretrainedFile(names: readonly string[] = ['person', 'bicycle', 'car']): Buffer {
  const script = [
    'import io, json, sys, zipfile',
    'ckpt = {"format": "ultralytics-double-checkpoint", "epoch": -1, "optimizer": None, "task": "detect", "names": json.loads(sys.argv[1]), "train_args": {"imgsz": 640}}',
    'for comment in (b"", b"x"):',
    '    out = io.BytesIO()',
    '    with zipfile.ZipFile(out, "w") as archive:',
    '        archive.writestr("model/data.json", json.dumps(ckpt))',
    '        archive.comment = comment',
    '    if len(out.getvalue()) % 2 == 0:',
    '        sys.stdout.buffer.write(out.getvalue())',
    '        break',
  ].join('\n');
  const made = spawnSync('python3', ['-c', script, JSON.stringify(names)]);
  if (made.status !== 0 || made.stdout.length === 0) throw new Error(`could not make a weights file: ${made.stderr.toString()}`);
  return made.stdout;
}
