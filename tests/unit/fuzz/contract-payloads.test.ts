/**
 * Every method of the studio contract, called through the real ApiHost with arbitrary payloads
 * the way the transports deliver them: JSON from the WebSocket, structured clones from Electron
 * IPC. The answer is always an envelope, a rejected payload never reaches its handler, and the
 * handlers that run against a real project never fail with an internal error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHANNEL_PREFIX,
  ERROR_CODES,
  StudioError,
  listChannels,
  studioContract,
  type CallContext,
  type ContractSpec,
  type Envelope,
  type JobResult,
  type StudioServices,
} from '@shared';
import { ApiHost } from '../../../src-main/host/api-host.js';
import { createStudio, type Studio } from '../../../src-main/studio.js';
import { createDirectClient } from '../../../src-main/transports/direct.js';
import { memorySettings } from '../helpers/settings.js';
import { nastyJson, nastyLine, overTheWire } from './nasty-values.js';
import { copyImage, expectUntouched, fuzzRuns, sampleImages, snapshotTree } from './fuzz-fixture.js';

const METHODS = listChannels(studioContract).filter((c) => c.kind === 'method');
const contract = studioContract as ContractSpec;
const schemaOf = (domain: string, name: string) => (contract[domain][name] as { input: z.ZodType }).input;

/**
 * Methods that only read and write the open project: the real studio runs them. The others
 * start processes (training, the runtime, the inference worker), write where their input says
 * (project create, export, import reads any path) or reach the network (team, backup); a test
 * double answers those, after checking what it was called with.
 */
const RUN_FOR_REAL = new Set([
  'app.info',
  'app.recentProjects',
  'app.pickDirectory',
  'projects.current',
  'images.list',
  'images.get',
  'images.counts',
  'images.setStatus',
  'images.next',
  'classes.list',
  'classes.create',
  'classes.update',
  'classes.reorder',
  'classes.impact',
  'classes.delete',
  'classes.merge',
  'annotations.forImage',
  'annotations.apply',
  'stats.dataset',
  'stats.health',
  'splits.get',
  'splits.apply',
  'splits.pin',
  'suggestions.forImage',
  'suggestions.accept',
  'suggestions.acceptAbove',
  'suggestions.reject',
  'suggestions.reviewQueue',
  'jobs.list',
  'jobs.cancel',
  'training.list',
  'training.get',
]);

interface Call {
  channel: string;
  input: unknown;
  schemaAccepts: boolean;
}

let sandbox: string;
let studio: Studio;
let host: ApiHost<typeof studioContract>;
let before: Map<string, string>;
const calls: Call[] = [];

beforeAll(async () => {
  // One studio for the whole file: made here, not by sandboxDir, which clears after each test.
  sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-fuzz-contract-'));
  studio = createStudio({ mode: 'serve', settings: memorySettings(), dataDir: path.join(sandbox, 'studio-home') });
  const api = createDirectClient(studio.host);
  await api.projects.create({ dir: path.join(sandbox, 'project'), name: 'fuzz', task: 'detect' });
  for (const name of ['cat', 'dog', 'bird']) await api.classes.create({ name });
  const samples = await sampleImages();
  const files = samples.map((s, i) => copyImage(s, path.join(sandbox, 'photos', `p${i}${path.extname(s.file)}`)));
  const finished = new Promise<JobResult>((resolve) => {
    const stop = api.jobs.onFinished((r) => {
      stop();
      resolve(r);
    });
  });
  await api.imports.start({ paths: files });
  expect(await finished).toMatchObject({ status: 'ok', report: { imported: 3 } });

  // The host under test, over services that record each call and check it against the schema.
  const services: Record<string, Record<string, (input: unknown, ctx: CallContext) => unknown>> = {};
  const real = studio.services as unknown as Record<string, Record<string, (input: unknown, ctx: CallContext) => unknown>>;
  for (const { domain, name, channel } of METHODS) {
    services[domain] ??= {};
    services[domain][name] = (input, ctx) => {
      calls.push({ channel, input, schemaAccepts: schemaOf(domain, name).safeParse(input).success });
      if (RUN_FOR_REAL.has(`${domain}.${name}`)) return real[domain][name].call(real[domain], input, ctx);
      throw new StudioError('unsupported', `${channel} is answered by a test double in the fuzz test.`);
    };
  }
  host = new ApiHost(studioContract, services as unknown as StudioServices);
  before = snapshotTree(sandbox, path.join(sandbox, 'project'));
});

afterAll(async () => {
  await studio?.dispose();
  if (sandbox) fs.rmSync(sandbox, { recursive: true, force: true });
});

/** An envelope as the transports send it: ok with a value, or a known code with words. */
function expectEnvelope(envelope: Envelope): void {
  expect(() => JSON.stringify(envelope)).not.toThrow();
  if (envelope.ok) {
    expect(Object.keys(envelope).sort()).toEqual(['ok', 'value']);
    expect(envelope.value).not.toBeUndefined();
  } else {
    expect(Object.keys(envelope).sort()).toEqual(['error', 'ok']);
    expect(ERROR_CODES).toContain(envelope.error.code);
    expect(typeof envelope.error.message === 'string' && envelope.error.message.trim() !== '').toBe(true);
  }
}

/**
 * Plausible values by field name, so that many payloads pass the schema and reach the real
 * handlers (ids of images and classes that exist, enum members, ratios that add up) and the
 * rest fail one field at a time.
 */
const FIELD_VALUES: Record<string, readonly unknown[]> = {
  id: [1, 2, 3, 4, 99],
  imageId: [1, 2, 3, 99],
  classId: [1, 2, 3, 99],
  sourceId: [1, 2, 3],
  targetId: [1, 2, 3],
  afterId: [0, 1, 2, 3],
  ids: [[1], [1, 2, 3], [3, 2, 1], [2, 2], [99], ['s1'], ['s1', 'missing-2']],
  name: ['cat', 'dog', 'new class', ' padded ', 'x'.repeat(100)],
  title: ['Pick a folder'],
  color: ['#ff0000', '#00FF00'],
  status: ['new', 'in_progress', 'done', 'review'],
  split: ['train', 'val', 'test', null],
  direction: ['next', 'previous'],
  filter: [{ kind: 'all' }, { kind: 'unlabeled' }, { kind: 'labeled' }, { kind: 'class', classId: 1 }, { kind: 'status', status: 'done' }],
  ratios: [[0.8, 0.1, 0.1], [1, 0, 0], [0, 0, 1], [0.5, 0.25, 0.25]],
  seed: [0, 1, 42, 2 ** 31 - 1],
  limit: [1, 10, 200, 5000],
  offset: [0, 1, 2, 10],
  minConfidence: [0, 0.5, 1],
  jobId: ['job-1', 'x'],
  runId: ['run-1', 'abc_DEF-123'],
  changes: [
    [{ op: 'create', annotation: { id: 'a1', classId: 1, kind: 'box', x: 1, y: 1, w: 5, h: 5 } }],
    [{ op: 'create', annotation: { id: 'a2', classId: 2, kind: 'box', x: -1e7, y: 1e7, w: 1e7, h: 1e-300 } }],
    [{ op: 'create', annotation: { id: 't1', classId: 1, kind: 'tag' } }],
    [{ op: 'update', id: 'a1', patch: { x: 3, w: 2, classId: 2 } }],
    [{ op: 'update', id: 'missing', patch: {} }],
    [{ op: 'delete', id: 'a1' }],
    [
      { op: 'create', annotation: { id: 'a3', classId: 1, kind: 'box', x: 0, y: 0, w: 1, h: 1 } },
      { op: 'delete', id: 'a3' },
    ],
  ],
};

function fieldValue(key: string): fc.Arbitrary<unknown> {
  const plausible = FIELD_VALUES[key];
  return fc.oneof(
    { weight: plausible ? 6 : 0, arbitrary: plausible ? fc.constantFrom(...plausible) : fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, 1e308, 2 ** 53, '', '1', true, null, [], {}) },
    { weight: 1, arbitrary: nastyJson },
    { weight: 1, arbitrary: nastyLine },
  );
}

/** Objects with the schema's own keys, for the methods whose input is one. */
function shapedInput(schema: z.ZodType): fc.Arbitrary<unknown> | null {
  if (!(schema instanceof z.ZodObject)) return null;
  const keys = Object.keys(schema.shape as Record<string, unknown>);
  if (keys.length === 0) return null;
  return fc.record(Object.fromEntries(keys.map((k) => [k, fieldValue(k)])), { requiredKeys: [] });
}

/** Values Electron's structured clone can carry and JSON cannot: NaN, bigints, maps, dates… */
const cloneOnly = fc.anything({ maxDepth: 2, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true });

function payloadFor(schema: z.ZodType): fc.Arbitrary<{ input: unknown; transport: CallContext['transport'] }> {
  const shaped = shapedInput(schema);
  const json = fc.oneof(nastyJson, fc.constant(undefined), ...(shaped ? [shaped, shaped] : []));
  return fc.oneof(
    { weight: 3, arbitrary: json.map((v) => ({ input: overTheWire(v), transport: 'ws' as const })) },
    { weight: 1, arbitrary: fc.oneof(cloneOnly, ...(shaped ? [shaped] : [])).map((input) => ({ input, transport: 'ipc' as const })) },
  );
}

describe('contract payloads of every kind', () => {
  it.each(METHODS.map((m) => [m.channel, m] as const))('%s: always an envelope; a rejected payload never reaches the handler', async (_, { domain, name, channel }) => {
    const schema = schemaOf(domain, name);
    await fc.assert(
      fc.asyncProperty(payloadFor(schema), async ({ input, transport }) => {
        const accepted = schema.safeParse(input);
        const from = calls.length;
        const envelope = await host.invoke(channel, input, { transport });
        expectEnvelope(envelope);
        const made = calls.slice(from);
        if (!accepted.success) {
          expect(envelope).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
          expect(!envelope.ok && envelope.error.message).toContain(channel);
          expect(made).toEqual([]);
        } else {
          expect(made).toHaveLength(1);
          expect(made[0].schemaAccepts).toBe(true);
          expect(made[0].input).toEqual(accepted.data);
          // A payload the contract accepts that a real handler cannot serve gets a reason, not a crash.
          if (!envelope.ok) expect(envelope.error.code, envelope.error.message).not.toBe('internal');
        }
      }),
      fuzzRuns(60),
    );
  });

  it('an unknown channel of any kind gets invalid_input and reaches no handler', async () => {
    const channel = fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '', 'reticle:', 'reticle:images', 'reticle:images.onChanged', 'reticle:images.list ', 'RETICLE:images.list', 'reticle:images.list\0', 'reticle:__proto__.list'),
      nastyLine,
      nastyJson,
    );
    await fc.assert(
      fc.asyncProperty(channel, nastyJson, async (c, input) => {
        fc.pre(typeof c !== 'string' || !host.hasMethod(c));
        const from = calls.length;
        const envelope = await host.invoke(c as string, overTheWire(input), { transport: 'ws' });
        expectEnvelope(envelope);
        expect(envelope).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/^Unknown call/) } });
        expect(calls.length).toBe(from);
      }),
      fuzzRuns(200),
    );
  });

  it('leaves the project sound and every file outside it as it was', () => {
    expect(calls.filter((c) => !c.schemaAccepts)).toEqual([]);
    // The payloads reached every handler that runs for real, not only the validation in front of it.
    const reached = new Set(calls.map((c) => c.channel.replace(CHANNEL_PREFIX, '')));
    expect([...RUN_FOR_REAL].filter((m) => !reached.has(m))).toEqual([]);
    expect(studio.session.require().store.integrityCheck()).toBe('ok');
    expectUntouched(before, sandbox, path.join(sandbox, 'project'));
  });
});
