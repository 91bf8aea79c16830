/**
 * A model file is untrusted input too: its protobuf is walked by hand and its metadata values
 * are Python literals read by a small parser. Arbitrary bytes, damaged real models and hostile
 * metadata must give a StudioError when the model loads, never a crash or a hang.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StudioError } from '@shared';
import { parsePythonLiteral, readOnnxMetadata, ultralyticsMetadata } from '../../../src-main/services/inference/onnx-metadata.js';
import { ModelSession } from '../../../src-main/services/inference/model-session.js';
import { tinyOnnx } from '../main/inference/onnx-writer.js';
import { nastyLine } from './nasty-values.js';
import { fuzzRuns, sandboxDir, writeFile } from './fuzz-fixture.js';

const REAL_MODEL = fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/models/yolo11-detect.onnx'));

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

const lengthDelimited = (field: number, data: Buffer) => Buffer.concat([varint(field * 8 + 2), varint(data.length), data]);

/** A tiny valid model with `metadata_props` appended (field 14), however long the values. */
function modelWithMetadata(props: Record<string, string>): Buffer {
  const entries = Object.entries(props).map(([k, v]) => lengthDelimited(14, Buffer.concat([lengthDelimited(1, Buffer.from(k)), lengthDelimited(2, Buffer.from(v))])));
  return Buffer.concat([tinyOnnx({ op: 'Identity', input: [1, 3, 32, 32], output: [1, 3, 32, 32] }), ...entries]);
}

/** Calls `fn`; a throw must be an Error that says something. */
function throwsOnlyErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message.trim()).not.toBe('');
  }
}

/** Text shaped like what Ultralytics writes (dicts, lists, tuples, strings, numbers), often broken. */
const pythonish: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('True', 'False', 'None', 'inf', '-inf', 'nan', '1e400', '0', '-1', '640', '3.5', '1e300', '99999999', '4294967296', "'", '"', '\\', '{', '[', '(', ','),
    fc.integer().map(String),
    nastyLine.map((s) => `'${s.replace(/'/g, "\\'")}'`),
    nastyLine,
    fc.array(fc.tuple(fc.oneof(fc.integer({ min: -2, max: 8 }).map(String), fc.constantFrom('1e300', '99999999', '2147483648', "'a'", '1.5', '-0')), tie('value')), { maxLength: 5 }).map((entries) => `{${entries.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
    fc.array(tie('value'), { maxLength: 5 }).map((items) => `[${items.join(', ')}]`),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => `(${items.join(', ')})`),
  ),
})).value;

/** Values for the keys Reticle reads, including gaps up to huge class indices and deep nesting. */
const metadataValue: fc.Arbitrary<string> = fc.oneof(
  pythonish,
  fc.constantFrom(
    "{0: 'a', 99999999: 'b'}",
    "{1e300: 'x'}",
    "{4294967295: 'x', 0: 'y'}",
    `{${Array.from({ length: 150_000 }, (_, i) => `${i}: 'c'`).join(', ')}}`,
    `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
    `'${'\\x41'.repeat(10_000)}'`,
    '[640, 640, 640]',
    '(0, -640)',
    "'\\U0010ffff\\U00110000'",
  ),
);

const metadata = fc.dictionary(fc.constantFrom('names', 'imgsz', 'task', 'stride', 'end2end', 'version', 'batch', ''), metadataValue, { maxKeys: 5 });

describe('ONNX model metadata of every kind', () => {
  it('reads arbitrary bytes and damaged real models into a map, or fails with an Error', () => {
    const damaged = fc.tuple(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.boolean()).map(([edits, nearEnd]) => {
      const bytes = Buffer.from(REAL_MODEL);
      // Field 14 (the metadata) sits after the graph: damage the start or the end.
      for (const [at, byte] of edits) bytes[nearEnd ? bytes.length - 1 - (at % 2048) : at % 512] = byte;
      return bytes;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), damaged, fc.nat(REAL_MODEL.length).map((n) => REAL_MODEL.subarray(0, n))), (bytes) => {
        throwsOnlyErrors(() => {
          const props = readOnnxMetadata(bytes);
          for (const [k, v] of props) expect(typeof k === 'string' && typeof v === 'string').toBe(true);
        });
      }),
      fuzzRuns(150),
    );
  });

  it('parses Python literals or fails with an Error', () => {
    fc.assert(
      fc.property(fc.oneof(pythonish, metadataValue, fc.string({ unit: 'binary', maxLength: 100 })), (text) => {
        throwsOnlyErrors(() => parsePythonLiteral(text));
      }),
      fuzzRuns(300),
    );
  });

  it('never throws on hostile metadata, and gives class names, sizes and flags of the right kinds', () => {
    fc.assert(
      fc.property(metadata, (props) => {
        const meta = ultralyticsMetadata(new Map(Object.entries(props)));
        expect(meta.names === null || (Array.isArray(meta.names) && meta.names.every((n) => typeof n === 'string'))).toBe(true);
        // No more names than the text could describe plus its gaps: never one per index up to a huge number.
        expect(meta.names?.length ?? 0).toBeLessThanOrEqual(100_000);
        expect(meta.imgsz === null || (meta.imgsz.length === 2 && meta.imgsz.every((v) => v > 0))).toBe(true);
        expect(meta.stride === null || typeof meta.stride === 'number').toBe(true);
        expect(meta.end2end === null || typeof meta.end2end === 'boolean').toBe(true);
      }),
      fuzzRuns(150),
    );
  });

  it('loads a model with hostile metadata, or refuses it with a StudioError', async () => {
    const dir = sandboxDir();
    await fc.assert(
      fc.asyncProperty(metadata, async (props) => {
        const file = writeFile(path.join(dir, 'model.onnx'), modelWithMetadata(props));
        try {
          const session = await ModelSession.load(file, ['cpu']);
          await session.release();
        } catch (err) {
          expect(err, String(err)).toBeInstanceOf(StudioError);
        }
      }),
      fuzzRuns(40),
    );
  });
});
