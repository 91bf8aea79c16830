/**
 * The Python runtime's stdout, garbled: arbitrary lines, golden lines with their keys broken,
 * and golden lines interleaved with garbage, cut into arbitrary byte chunks, through the line
 * splitter and `parseRuntimeLine` exactly as the training supervisor reads them.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRuntimeLine, RUNTIME_MESSAGE_TYPES, RuntimeMessageSchema, type RuntimeLineResult } from '@shared';
import { LineSplitter } from '../../../src-main/services/runtime/runtime-process.js';
import { nastyJson, nastyLine } from './nasty-values.js';
import { fuzzRuns } from './fuzz-fixture.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/runtime');
const GOLDEN: string[] = fs
  .readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.jsonl'))
  .sort()
  .flatMap((f) => fs.readFileSync(path.join(FIXTURES, f), 'utf8').split('\n'))
  .filter((l) => l.trim() !== '');

const goldenLine = fc.constantFrom(...GOLDEN);
const goldenObject = goldenLine.map((l) => JSON.parse(l) as Record<string, unknown>);

/** What every answer must look like: a schema-valid message, or a reason in words. */
function expectWellFormed(result: RuntimeLineResult): void {
  if (result.ok) expect(RuntimeMessageSchema.safeParse(result.message).success).toBe(true);
  else expect(typeof result.error === 'string' && result.error.trim().length > 0).toBe(true);
}

/** Garbage that is certainly not a message: no line break, and never a whole golden line. */
const garbageLine: fc.Arbitrary<string> = fc.oneof(
  nastyLine,
  nastyJson.map((v) => JSON.stringify(v) ?? 'undefined'),
  // A golden line cut short, as a killed runtime leaves it.
  fc.tuple(goldenLine, fc.nat()).map(([l, n]) => l.slice(0, n % l.length)),
  // The right version and type, with the keys of another message or none.
  fc.tuple(fc.constantFrom(...RUNTIME_MESSAGE_TYPES), nastyJson).map(([type, body]) => JSON.stringify({ ...(typeof body === 'object' && body !== null ? body : { body }), v: 1, type })),
).filter((l) => !l.includes('\n') && !parseRuntimeLine(l).ok);

describe('runtime protocol lines of every kind', () => {
  it('never throw: any text gives a valid message or a reason', () => {
    fc.assert(
      fc.property(fc.oneof(nastyLine, fc.string({ unit: 'binary', maxLength: 300 }), nastyJson.map((v) => JSON.stringify(v) ?? '')), (line) => {
        expectWellFormed(parseRuntimeLine(line));
      }),
      fuzzRuns(300),
    );
  });

  it('reject what is not a line of text, without throwing', () => {
    fc.assert(
      fc.property(nastyJson, (value) => {
        const result = parseRuntimeLine(value as string);
        expectWellFormed(result);
        if (typeof value !== 'string') expect(result).toEqual({ ok: false, error: 'not a line of text' });
      }),
      fuzzRuns(100),
    );
  });

  it('reject a golden message with the wrong version, an unknown type, a missing key or a mistyped value, and say which', () => {
    const broken = fc.oneof(
      fc.tuple(goldenObject, fc.oneof(fc.constantFrom(0, 2, '1', 1.5, null, true, [1]), nastyJson).filter((v) => v !== 1)).map(([m, v]) => ({ line: JSON.stringify({ ...m, v }), why: /protocol version|no protocol version/ })),
      fc.tuple(goldenObject).map(([m]) => {
        const { v: _v, ...rest } = m;
        return { line: JSON.stringify(rest), why: /no protocol version/ };
      }),
      fc.tuple(goldenObject, fc.oneof(nastyLine, fc.constantFrom('Epoch', 'epoch ', 'finish', '__proto__', 'constructor'))).filter(([, t]) => !(RUNTIME_MESSAGE_TYPES as readonly string[]).includes(t)).map(([m, type]) => ({ line: JSON.stringify({ ...m, type }), why: /unknown message type/ })),
      fc.tuple(goldenObject, fc.nat()).map(([m, n]) => {
        const keys = Object.keys(m).filter((k) => k !== 'v' && k !== 'type');
        const key = keys[n % keys.length];
        const copy = { ...m };
        delete copy[key];
        return { line: JSON.stringify(copy), why: new RegExp(`invalid ${m.type} message: .*${escape(key)}`) };
      }),
      fc.tuple(goldenObject, fc.nat()).map(([m, n]) => {
        const keys = Object.keys(m).filter((k) => k !== 'v' && k !== 'type');
        const key = keys[n % keys.length];
        return { line: JSON.stringify({ ...m, [key]: wrongKind(m[key]) }), why: new RegExp(`invalid ${m.type} message: .*${escape(key)}`) };
      }),
    );
    fc.assert(
      fc.property(broken, ({ line, why }) => {
        const result = parseRuntimeLine(line);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error).toMatch(why);
      }),
      fuzzRuns(300),
    );
  });

  it('survive huge and odd numbers in any field of a golden message', () => {
    const odd = fc.constantFrom('1e400', '-1e400', '1e308', '-0', '5e-324', '9007199254740993', '123456789012345678901234567890', '-1', '0.0');
    fc.assert(
      fc.property(goldenLine, odd, fc.nat(), (line, number, n) => {
        // Swap one number of the line's text for the odd one, keeping the rest as sent.
        const spots = [...line.matchAll(/(?<=[:[,])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?=[,\]}])/g)];
        if (spots.length === 0) return;
        const spot = spots[n % spots.length];
        const changed = `${line.slice(0, spot.index)}${number}${line.slice(spot.index! + spot[0].length)}`;
        expectWellFormed(parseRuntimeLine(changed));
      }),
      fuzzRuns(300),
    );
  });

  it('read golden lines between garbage, however stdout is cut into chunks', () => {
    const stream = fc.record({
      lines: fc.array(fc.oneof(goldenLine.map((text) => ({ text, golden: true })), garbageLine.map((text) => ({ text, golden: false }))), { minLength: 1, maxLength: 25 }),
      crlf: fc.boolean(),
      cuts: fc.array(fc.nat(), { maxLength: 12 }),
    });
    fc.assert(
      fc.property(stream, ({ lines, crlf, cuts }) => {
        const bytes = Buffer.from(lines.map((l) => `${l.text}${crlf ? '\r\n' : '\n'}`).join(''), 'utf8');
        // Chunk edges anywhere, through the middle of a UTF-8 character too.
        const edges = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const seen: RuntimeLineResult[] = [];
        const tooLong: number[] = [];
        const splitter = new LineSplitter(
          (line) => seen.push(parseRuntimeLine(line)),
          (length) => tooLong.push(length),
        );
        let from = 0;
        for (const edge of [...edges, bytes.length]) {
          splitter.push(bytes.subarray(from, edge));
          from = edge;
        }
        splitter.end();

        expect(tooLong).toEqual([]);
        expect(seen).toHaveLength(lines.length);
        lines.forEach((l, i) => {
          expectWellFormed(seen[i]);
          if (l.golden) expect(seen[i]).toEqual(parseRuntimeLine(l.text));
          else expect(seen[i].ok).toBe(false);
        });
        expect(seen.filter((r) => r.ok)).toHaveLength(lines.filter((l) => l.golden).length);
      }),
      fuzzRuns(200),
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A value of another JSON kind than `v`, and not null (which nullable keys accept). */
function wrongKind(v: unknown): unknown {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return 42;
  if (typeof v === 'boolean') return 'yes';
  if (v === null) return true;
  if (Array.isArray(v)) return 7;
  return 'an object was expected';
}
