import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  MAX_RUNTIME_LINE_LENGTH,
  RUNTIME_ERROR_CODES,
  RUNTIME_MESSAGE_TYPES,
  RuntimeTrainSpecSchema,
  parseRuntimeLine,
  type RuntimeMessage,
  type RuntimeMessageOf,
} from '../../../src-shared/runtime-protocol.js';

const root = path.resolve(import.meta.dirname, '../../..');
const fixtureDir = path.join(root, 'tests/fixtures/runtime');
const fixtures = fs
  .readdirSync(fixtureDir)
  .filter((f) => f.endsWith('.jsonl'))
  .sort();

function lines(file: string): string[] {
  return fs
    .readFileSync(path.join(fixtureDir, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim());
}

function parsed(file: string): RuntimeMessage[] {
  return lines(file).map((line) => {
    const result = parseRuntimeLine(line);
    if (!result.ok) throw new Error(`${file}: ${result.error}`);
    return result.message;
  });
}

const goodEpoch = lines('train-normal.jsonl').find((l) => l.includes('"type":"epoch"'))!;

describe('the runtime protocol', () => {
  it('reads every line of every golden file the Python runtime recorded', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(6);
    const seen = new Set<string>();
    for (const file of fixtures) {
      for (const line of lines(file)) {
        const result = parseRuntimeLine(line);
        expect(result, `${file}: ${line.slice(0, 120)}`).toMatchObject({ ok: true });
        if (result.ok) seen.add(result.message.type);
      }
    }
    // Every message type but `version` has a golden file behind it.
    expect([...seen].sort()).toEqual(RUNTIME_MESSAGE_TYPES.filter((t) => t !== 'version').sort());
  });

  it('gives a training run in the order the app relies on', () => {
    const run = parsed('train-normal.jsonl');
    expect(run[0].type).toBe('started');
    expect(run.at(-1)!.type).toBe('finished');
    const epochs = run.filter((m): m is RuntimeMessageOf<'epoch'> => m.type === 'epoch');
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(epochs[0].losses['train/box_loss']).toBeTypeOf('number');
    expect(Object.keys(epochs[0].metrics)).toContain('metrics/mAP50-95(B)');
    const finished = run.at(-1) as RuntimeMessageOf<'finished'>;
    expect(finished.confusion_matrix?.names.at(-1)).toBe('background');
    expect(finished.per_class.map((c) => c.class)).toEqual(['square', 'disc']);

    const stopped = parsed('train-stopped.jsonl').at(-1) as RuntimeMessageOf<'finished'>;
    expect(stopped).toMatchObject({ stopped_by_user: true, resumable: true });
    const resumed = parsed('train-resumed.jsonl')[0] as RuntimeMessageOf<'started'>;
    expect(resumed).toMatchObject({ resumed: true, start_epoch: stopped.epochs_completed + 1 });
  });

  it('rejects lines that are not version-1 messages, saying why', () => {
    const epoch = JSON.parse(goodEpoch) as Record<string, unknown>;
    const cases: [string, string | RegExp][] = [
      [goodEpoch.slice(0, goodEpoch.length / 2), /not JSON/],
      ['', /empty/],
      ['[1,2]', /not a JSON object/],
      ['Ultralytics 8.4.52 🚀 Python-3.11', /not JSON/],
      [JSON.stringify({ ...epoch, v: 2 }), /version 2/],
      [JSON.stringify({ type: 'epoch' }), /no protocol version/],
      [JSON.stringify({ v: 1, type: 'telemetry' }), /unknown message type "telemetry"/],
      [JSON.stringify({ v: 1 }), /no message type/],
      [JSON.stringify({ ...epoch, losses: undefined }), /invalid epoch message: losses/],
      [JSON.stringify({ ...epoch, epoch: 'one' }), /invalid epoch message: epoch/],
      [JSON.stringify({ v: 1, type: 'error', code: 'gremlins', message: 'x', hint: null }), /invalid error message: code/],
      [JSON.stringify({ v: 1, type: 'error', message: 'x', hint: null }), /code/],
    ];
    for (const [line, why] of cases) {
      const result = parseRuntimeLine(line);
      expect(result.ok, line.slice(0, 80)).toBe(false);
      if (!result.ok) expect(result.error).toMatch(why);
    }
  });

  it('refuses a 10 MB line without parsing it, and never throws', () => {
    const huge = `{"v":1,"type":"progress","pad":"${'x'.repeat(10 * 1024 * 1024)}"}`;
    expect(huge.length).toBeGreaterThan(MAX_RUNTIME_LINE_LENGTH);
    // Refused by its length alone: JSON.parse never sees it (what keeps a runaway line cheap).
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const result = parseRuntimeLine(huge);
      expect(result).toEqual({ ok: false, error: `line too long: ${huge.length} characters, at most ${MAX_RUNTIME_LINE_LENGTH}` });
      expect(parse).not.toHaveBeenCalled();
      // A line at the limit is read as any other.
      expect(parseRuntimeLine(goodEpoch.padEnd(MAX_RUNTIME_LINE_LENGTH, ' '))).toMatchObject({ ok: true, message: { type: 'epoch' } });
      expect(parse).toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
    expect(() => parseRuntimeLine(undefined as unknown as string)).not.toThrow();
    expect(parseRuntimeLine(null as unknown as string).ok).toBe(false);
  });

  it('keeps keys a newer runtime adds out of the parsed message instead of failing on them', () => {
    const result = parseRuntimeLine(JSON.stringify({ ...JSON.parse(goodEpoch), gpu_memory_bytes: 123 }));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.message).not.toHaveProperty('gpu_memory_bytes');
  });

  it('rejects a confusion matrix that is not square over its names', () => {
    const finished = JSON.parse(lines('train-normal.jsonl').at(-1)!);
    finished.confusion_matrix.matrix.pop();
    expect(parseRuntimeLine(JSON.stringify(finished)).ok).toBe(false);
  });

  it('lists the same error codes as the Python runtime', () => {
    const source = fs.readFileSync(path.join(root, 'python-runtime/reticle_runtime/errors.py'), 'utf8');
    const tuple = /CODES = \(([\s\S]*?)\)/.exec(source)?.[1] ?? '';
    const python = [...tuple.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
    expect(python).toEqual([...RUNTIME_ERROR_CODES]);
  });

  it('types messages by their type', () => {
    expectTypeOf<RuntimeMessageOf<'epoch'>['t']>().toEqualTypeOf<number>();
    expectTypeOf<RuntimeMessageOf<'error'>['code']>().toEqualTypeOf<(typeof RUNTIME_ERROR_CODES)[number]>();
    expectTypeOf<RuntimeMessageOf<'finished'>['best_epoch']>().toEqualTypeOf<number | null>();
  });
});

describe('the training spec', () => {
  const spec = {
    data: '/home/user/reticle-demo/dataset/data.yaml',
    model: 'yolo11n.yaml',
    epochs: 50,
    imgsz: 640,
    batch: -1,
    device: '0',
    project: '/home/user/reticle-demo/runs',
    name: 'run-7',
    hyperparameters: { lr0: 0.01, optimizer: 'SGD', patience: 20 },
    resume: false,
    stop_file: '/home/user/reticle-demo/runs/run-7.stop',
  };

  it('accepts what the runtime accepts and refuses what it refuses', () => {
    expect(RuntimeTrainSpecSchema.safeParse(spec).success).toBe(true);
    expect(RuntimeTrainSpecSchema.safeParse({ ...spec, model: null, resume: true }).success).toBe(true);
    expect(RuntimeTrainSpecSchema.safeParse({ ...spec, model: null }).success).toBe(false);
    expect(RuntimeTrainSpecSchema.safeParse({ ...spec, batch: 0 }).success).toBe(false);
    expect(RuntimeTrainSpecSchema.safeParse({ ...spec, device: '0,1' }).success).toBe(true);
    for (const device of ['0,0', '0,', 'gpu', 'cuda:0', '1,0,1']) expect(RuntimeTrainSpecSchema.safeParse({ ...spec, device }).success, device).toBe(false);
    expect(RuntimeTrainSpecSchema.safeParse({ ...spec, name: '../x' }).success).toBe(false);
  });
});
