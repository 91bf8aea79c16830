/**
 * Writes tiny ONNX models byte by byte (protobuf), for models that are valid ONNX but not what
 * Reticle reads: one node from the image input to one output, with any metadata.
 */

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

const tag = (field: number, wire: number) => varint(field * 8 + wire);
const int = (field: number, value: number) => [...tag(field, 0), ...varint(value)];
const bytes = (field: number, data: number[]) => [...tag(field, 2), ...varint(data.length), ...data];
const text = (field: number, s: string) => bytes(field, [...Buffer.from(s, 'utf8')]);

function valueInfo(name: string, dims: number[]): number[] {
  const shape = dims.flatMap((d) => bytes(1, int(1, d)));
  const tensor = [...int(1, 1 /* FLOAT */), ...bytes(2, shape)];
  return [...text(1, name), ...bytes(2, bytes(1, tensor))];
}

export interface TinyModel {
  /** Identity: the output is the input; Flatten: (d0·d1, d2·d3). */
  op: 'Identity' | 'Flatten';
  input: number[];
  output: number[];
  metadata?: Record<string, string>;
}

export function tinyOnnx(model: TinyModel): Buffer {
  const node = [...text(1, 'images'), ...text(2, 'output0'), ...text(3, 'n0'), ...text(4, model.op)];
  const graph = [...bytes(1, node), ...text(2, 'tiny'), ...bytes(11, valueInfo('images', model.input)), ...bytes(12, valueInfo('output0', model.output))];
  const out = [...int(1, 8), ...text(2, 'reticle-tests'), ...bytes(7, graph), ...bytes(8, [...text(1, ''), ...int(2, 17)])];
  for (const [k, v] of Object.entries(model.metadata ?? {})) out.push(...bytes(14, [...text(1, k), ...text(2, v)]));
  return Buffer.from(out);
}
