/**
 * The bad-input corpus the properties draw from: text that breaks naive parsers (control
 * characters, lone surrogates, byte-order marks, line separators, right-to-left marks), number
 * spellings that are not numbers or not finite, and JSON of every shape.
 */
import fc from 'fast-check';

/** Single characters that have broken text parsers somewhere. */
const AWKWARD_CHARS = [
  '\0', '\t', '\v', '\f', '\r', '\u0085', '\u00a0', '\u1680', '\u2028', '\u2029', '\u200b', '\u200e', '\u202e',
  '\ufeff', '\ufffd', '\ud800', '\udfff', '\ud83d', '\u0301', '\u{1f600}', '"', "'", '\\', '#', ':', '{', '}', '[', ']',
  ',', '&', '*', '!', '|', '>', '%', '@', '`', '$', '~', '-', '.', '/', '..', 'é', '中', 'ﻻ', '١', '１',
];

/** A character of any code point, with the awkward ones often. */
export const nastyChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...AWKWARD_CHARS) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
);

/** Text with no line break in it (`\n`), but anything else. */
export const nastyLine: fc.Arbitrary<string> = fc.string({ unit: nastyChar, maxLength: 60 }).map((s) => s.replace(/\n/g, ' '));

/** Text of any kind, line breaks included. */
export const nastyText: fc.Arbitrary<string> = fc.string({ unit: fc.oneof(nastyChar, fc.constantFrom('\n', '\r\n')), maxLength: 200 });

/** Spellings a number parser may choke on or wrongly accept. */
export const badNumberToken: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'nan', 'NaN', '-nan', 'inf', '+inf', '-Infinity', 'Infinity', '1e309', '-1e309', '1e-400', '-0', '+0', '0x10', '0b1', '0o7',
    '1_000', '1,5', '0.5.5', '.', '-', '+', 'e5', '1e', '1e+', '５', '١', '½', '0.5f', '5e-324', '1.7976931348623157e308',
    '9'.repeat(400), '1'.repeat(25), '99999999999', '1e300', '-1', '2', '1.0', '1e0', 'true', 'null', '', '"0.5"',
  ),
  fc.double().map(String),
  fc.integer().map(String),
  nastyLine,
);

/** Any JSON value, including deep nesting and the keys that trip prototype lookups. */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -0, 1, -1, 0.5, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 31, -(2 ** 31) - 1, '', ' ', '0', 'null'),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    nastyLine,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'id', 'name', 'v', 'type'), fc.string({ maxLength: 8 })), tie('value'), {
      maxKeys: 5,
    }),
  ),
})).value;

/**
 * A value as a JSON transport delivers it: `__proto__` as a plain own key, `-0` as 0, no
 * undefined inside objects.
 */
export function overTheWire(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}
