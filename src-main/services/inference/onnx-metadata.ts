/**
 * Reads the metadata Ultralytics writes into an exported ONNX file (class names, task, input
 * size, stride, end2end). onnxruntime-node does not expose a model's `metadata_props`, so this
 * reads them from the protobuf itself: a ModelProto's field 14 holds key/value string pairs.
 * Only the top level is walked; the graph (field 7) is skipped by its length.
 *
 * Ultralytics stores each value as Python's `str()` of it: `{0: 'person', 1: 'bicycle'}`,
 * `[640, 640]`, `True`. `parsePythonLiteral` reads that subset of Python literals.
 */
import fs from 'node:fs';

const METADATA_PROPS_FIELD = 14;
/**
 * More classes than any model names (ImageNet-21k has 21,841). A larger index is damage, and
 * filling the gaps up to it would make a name for every index below.
 */
const MAX_CLASS_NAMES = 100_000;

class ProtoReader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): number {
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * shift;
      if ((b & 0x80) === 0) return result;
      shift *= 128;
    }
    throw new Error('varint too long');
  }

  bytes(): Uint8Array {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw new Error('field runs past the end of the file');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        return;
      case 2: {
        const len = this.varint();
        this.pos += len;
        return;
      }
      case 5:
        this.pos += 4;
        return;
      default:
        throw new Error(`unsupported wire type ${wireType}`);
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** The `metadata_props` of an ONNX model, as a map (later keys win, as in onnx's Python API). */
export function readOnnxMetadata(bytes: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const r = new ProtoReader(bytes);
  while (!r.done) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === METADATA_PROPS_FIELD && wire === 2) {
      const entry = new ProtoReader(r.bytes());
      let key = '';
      let value = '';
      while (!entry.done) {
        const t = entry.varint();
        const f = Math.floor(t / 8);
        if (f === 1 && (t & 7) === 2) key = utf8.decode(entry.bytes());
        else if (f === 2 && (t & 7) === 2) value = utf8.decode(entry.bytes());
        else entry.skip(t & 7);
      }
      out.set(key, value);
    } else {
      r.skip(wire);
    }
    if (r.pos > bytes.length) throw new Error('field runs past the end of the file');
  }
  return out;
}

export function readOnnxMetadataFile(file: string): Map<string, string> {
  // Never read a pipe or a device (a link to /dev/zero) as a model: it would not end.
  if (!fs.statSync(file).isFile()) throw new Error(`${file} is not a regular file`);
  return readOnnxMetadata(fs.readFileSync(file));
}

type PythonValue = string | number | boolean | null | PythonValue[] | Map<string | number, PythonValue>;

/**
 * Parses the Python literals Ultralytics writes: dicts, lists, tuples, strings (either quote,
 * with escapes), ints, floats, True/False/None.
 */
export function parsePythonLiteral(text: string): PythonValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at character ${i} of ${JSON.stringify(text.slice(0, 80))}`);
  };
  const space = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (): PythonValue => {
    space();
    const c = text[i];
    if (c === '{') return dict();
    if (c === '[' || c === '(') return list(c === '[' ? ']' : ')');
    if (c === "'" || c === '"') return string();
    const word = /^(True|False|None)\b/.exec(text.slice(i));
    if (word) {
      i += word[0].length;
      return word[0] === 'True' ? true : word[0] === 'False' ? false : null;
    }
    const num = /^[-+]?(\d+\.?\d*(e[-+]?\d+)?|\.\d+(e[-+]?\d+)?|inf|nan)/i.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      return Number(num[0].replace(/^([-+]?)inf$/i, '$1Infinity'));
    }
    return fail('unexpected input');
  };
  const dict = (): Map<string | number, PythonValue> => {
    i++;
    const out = new Map<string | number, PythonValue>();
    for (;;) {
      space();
      if (text[i] === '}') {
        i++;
        return out;
      }
      const key = value();
      if (typeof key !== 'string' && typeof key !== 'number') fail('a dict key that is not a string or number');
      space();
      if (text[i] !== ':') fail("expected ':'");
      i++;
      out.set(key as string | number, value());
      space();
      if (text[i] === ',') i++;
      else if (text[i] !== '}') fail("expected ',' or '}'");
    }
  };
  const list = (close: string): PythonValue[] => {
    i++;
    const out: PythonValue[] = [];
    for (;;) {
      space();
      if (text[i] === close) {
        i++;
        return out;
      }
      out.push(value());
      space();
      if (text[i] === ',') i++;
      else if (text[i] !== close) fail(`expected ',' or '${close}'`);
    }
  };
  const string = (): string => {
    const quote = text[i++];
    let out = '';
    while (i < text.length && text[i] !== quote) {
      if (text[i] !== '\\') {
        out += text[i++];
        continue;
      }
      const e = text[i + 1];
      i += 2;
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v' };
      if (e in simple) out += simple[e];
      else if (e === 'x' || e === 'u' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = text.slice(i, i + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) fail('bad escape');
        out += String.fromCodePoint(parseInt(hex, 16));
        i += len;
      } else out += `\\${e}`;
    }
    if (text[i] !== quote) fail('unterminated string');
    i++;
    return out;
  };
  const result = value();
  space();
  if (i !== text.length) fail('trailing input');
  return result;
}

interface UltralyticsMetadata {
  task: string | null;
  /** Class names by index (gaps filled as `class N`). */
  names: string[] | null;
  /** [height, width] */
  imgsz: [number, number] | null;
  stride: number | null;
  end2end: boolean | null;
  version: string | null;
}

/** What Reticle needs from the metadata; fields a model lacks are null. */
export function ultralyticsMetadata(props: Map<string, string>): UltralyticsMetadata {
  const parsed = (key: string): PythonValue | undefined => {
    const raw = props.get(key);
    if (raw === undefined) return undefined;
    try {
      return parsePythonLiteral(raw);
    } catch {
      return raw;
    }
  };
  let names: string[] | null = null;
  const n = parsed('names');
  if (n instanceof Map) {
    let count = 0;
    for (const key of n.keys()) {
      const k = Number(key);
      if (Number.isInteger(k) && k >= 0 && k < MAX_CLASS_NAMES) count = Math.max(count, k + 1);
    }
    names = Array.from({ length: count }, (_, k) => {
      const v = n.get(k);
      return typeof v === 'string' ? v : `class ${k}`;
    });
  } else if (Array.isArray(n)) {
    names = n.map((v, k) => (typeof v === 'string' ? v : `class ${k}`));
  }
  let imgsz: [number, number] | null = null;
  const s = parsed('imgsz');
  if (Array.isArray(s) && s.length === 2 && s.every((v) => typeof v === 'number' && v > 0)) imgsz = [s[0] as number, s[1] as number];
  else if (typeof s === 'number' && s > 0) imgsz = [s, s];
  const task = parsed('task');
  const stride = parsed('stride');
  const end2end = parsed('end2end');
  const version = props.get('version') ?? null;
  return {
    task: typeof task === 'string' ? task : null,
    names,
    imgsz,
    stride: typeof stride === 'number' ? stride : null,
    end2end: typeof end2end === 'boolean' ? end2end : null,
    version,
  };
}
