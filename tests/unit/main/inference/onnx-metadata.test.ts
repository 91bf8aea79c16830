/** Reading what Ultralytics writes into an exported model: names, task, input size, end2end. */
import { describe, expect, it } from 'vitest';
import { parsePythonLiteral, readOnnxMetadata, readOnnxMetadataFile, ultralyticsMetadata } from '../../../../src-main/services/inference/onnx-metadata.js';
import { model } from './fixtures.js';
import { tinyOnnx } from './onnx-writer.js';

describe('ONNX metadata', () => {
  it("reads Ultralytics' metadata from the fixture models", () => {
    const detect = ultralyticsMetadata(readOnnxMetadataFile(model('yolo11-detect.onnx')));
    expect(detect).toMatchObject({ task: 'detect', names: ['circle', 'square', 'triangle'], imgsz: [160, 160], stride: 32, end2end: false });
    expect(ultralyticsMetadata(readOnnxMetadataFile(model('yolo26-detect.onnx')))).toMatchObject({ task: 'detect', end2end: true });
    expect(ultralyticsMetadata(readOnnxMetadataFile(model('yolo11-cls.onnx')))).toMatchObject({ task: 'classify', imgsz: [64, 64] });
  });

  it('reads metadata_props from protobuf bytes, and nothing from a model without them', () => {
    const bytes = tinyOnnx({ op: 'Identity', input: [1, 3, 4, 4], output: [1, 3, 4, 4], metadata: { task: 'detect', names: "{0: 'a', 1: \"it's\"}" } });
    expect(readOnnxMetadata(bytes)).toEqual(new Map([['task', 'detect'], ['names', "{0: 'a', 1: \"it's\"}"]]));
    expect(ultralyticsMetadata(readOnnxMetadata(bytes)).names).toEqual(['a', "it's"]);
    expect(readOnnxMetadata(tinyOnnx({ op: 'Identity', input: [1], output: [1] })).size).toBe(0);
    expect(() => readOnnxMetadata(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]))).toThrow(/past the end/);
  });

  it('parses the Python literals Ultralytics writes', () => {
    expect(parsePythonLiteral("{0: 'person', 1: 'traffic light', 2: 'caf\\xe9', 3: 'a\\'b'}")).toEqual(
      new Map<number, string>([
        [0, 'person'],
        [1, 'traffic light'],
        [2, 'café'],
        [3, "a'b"],
      ]),
    );
    expect(parsePythonLiteral('[640, 480]')).toEqual([640, 480]);
    expect(parsePythonLiteral('(1, 2.5e-3, -inf)')).toEqual([1, 0.0025, -Infinity]);
    expect(parsePythonLiteral("{'half': False, 'nms': True, 'x': None}")).toEqual(
      new Map<string, unknown>([
        ['half', false],
        ['nms', true],
        ['x', null],
      ]),
    );
    expect(() => parsePythonLiteral('{0: ')).toThrow();
    expect(() => parsePythonLiteral('detect')).toThrow();
  });

  it('fills gaps in class indices', () => {
    expect(ultralyticsMetadata(new Map([['names', "{0: 'a', 2: 'c'}"]])).names).toEqual(['a', 'class 1', 'c']);
    expect(ultralyticsMetadata(new Map([['imgsz', '320']])).imgsz).toEqual([320, 320]);
  });
});
