/** The runtime's small parts: which PyTorch for which hardware, reading process output. */
import { describe, expect, it } from 'vitest';
import { chooseTorch, parseNvidiaSmi, runStreaming, type GpuInfo, type Hardware } from '../../../../src-main/services/runtime/provisioning.js';
import { LineSplitter, LogTail, describeExit } from '../../../../src-main/services/runtime/runtime-process.js';
import { bestDevice } from '../../../../src-main/services/runtime/runtime-status.js';

const linux = (gpus: GpuInfo[]): Hardware => ({ platform: 'linux', arch: 'x64', gpus });
const gpu = (driver: string, computeCap = '8.9', name = 'NVIDIA GeForce RTX 4090'): GpuInfo => ({ name, driver, computeCap });

describe('choosing the PyTorch build', () => {
  it('reads nvidia-smi', () => {
    expect(parseNvidiaSmi('NVIDIA GeForce RTX 5090, 575.51.03, 12.0\nNVIDIA GeForce GTX 1080, 575.51.03, 6.1\n')).toEqual([
      { name: 'NVIDIA GeForce RTX 5090', driver: '575.51.03', computeCap: '12.0' },
      { name: 'NVIDIA GeForce GTX 1080', driver: '575.51.03', computeCap: '6.1' },
    ]);
    expect(parseNvidiaSmi('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.')).toEqual([]);
  });

  it('matches the CUDA build to the driver', () => {
    expect(chooseTorch(linux([gpu('575.51.03', '12.0', 'NVIDIA GeForce RTX 5090')]))).toMatchObject({ indexUrl: 'https://download.pytorch.org/whl/cu128', label: 'CUDA 12.8', note: null });
    expect(chooseTorch(linux([gpu('570.86.15')])).indexUrl).toMatch(/cu128$/);
    expect(chooseTorch(linux([gpu('550.54.14')])).indexUrl).toMatch(/cu126$/);
    expect(chooseTorch(linux([gpu('470.82.01')]))).toMatchObject({ indexUrl: 'https://download.pytorch.org/whl/cu118', note: expect.stringMatching(/older NVIDIA driver/) });
    expect(chooseTorch(linux([gpu('390.157')]))).toMatchObject({ indexUrl: 'https://download.pytorch.org/whl/cpu', note: expect.stringMatching(/too old/) });
    // Blackwell needs cu128 whatever the driver says, and the driver must be updated.
    expect(chooseTorch(linux([gpu('560.35.03', '12.0', 'NVIDIA GeForce RTX 5090')]))).toMatchObject({ indexUrl: expect.stringMatching(/cu128$/), note: expect.stringMatching(/570 or newer/) });
  });

  it('uses the CPU build without a GPU, PyPI on a Mac, and follows an explicit choice', () => {
    expect(chooseTorch(linux([]))).toMatchObject({ indexUrl: 'https://download.pytorch.org/whl/cpu', label: 'CPU only' });
    expect(chooseTorch({ platform: 'darwin', arch: 'arm64', gpus: [] })).toMatchObject({ indexUrl: null, label: 'Apple MPS' });
    expect(chooseTorch({ platform: 'darwin', arch: 'x64', gpus: [] })).toMatchObject({ indexUrl: null, label: 'CPU only' });
    expect(chooseTorch({ platform: 'win32', arch: 'x64', gpus: [gpu('572.16')] }).indexUrl).toMatch(/cu128$/);
    expect(chooseTorch(linux([gpu('575.51.03')]), 'cpu').indexUrl).toMatch(/cpu$/);
    expect(chooseTorch(linux([]), 'cuda')).toMatchObject({ indexUrl: expect.stringMatching(/cu126$/), note: expect.stringMatching(/No NVIDIA GPU answered/) });
  });
});

describe('reading what a process writes', () => {
  it('splits lines across chunks, CRLF included, and refuses a runaway line by its length', () => {
    const lines: string[] = [];
    const long: number[] = [];
    const s = new LineSplitter((l) => lines.push(l), (n) => long.push(n), 10);
    s.push('ab');
    s.push('c\r\nde');
    s.push(Buffer.from('f\n0123456789ABCDEF'));
    s.push('GH\nlast');
    s.end();
    expect(lines).toEqual(['abc', 'def', 'last']);
    expect(long).toEqual([18]);
  });

  it('keeps multi-byte characters whole when a chunk splits them', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const bytes = Buffer.from('café ✓\n');
    s.push(bytes.subarray(0, 4));
    s.push(bytes.subarray(4));
    expect(lines).toEqual(['café ✓']);
  });

  it('keeps the last lines of a log, one line per progress bar, without colour codes', () => {
    const tail = new LogTail(3);
    tail.push('one\n\x1b[31mtwo\x1b[0m\n  1/10 [==  ]\r  5/10 [===  ]\r 10/10 [=====]\nfour\n');
    tail.end();
    expect(tail.get()).toEqual(['two', ' 10/10 [=====]', 'four']);
  });

  it('says how a process ended', () => {
    expect(describeExit(null, 'SIGKILL')).toMatch(/killed \(SIGKILL\).*out of memory/);
    expect(describeExit(137, null)).toMatch(/killed \(exit status 137\)/);
    expect(describeExit(null, 'SIGSEGV')).toMatch(/segmentation fault/);
    expect(describeExit(3, null)).toBe('it exited with status 3');
  });

  it('a cancelled command is killed', async () => {
    const controller = new AbortController();
    // A command that never ends by itself: only the cancel can end it (a hang would be caught by
    // the test's own timeout, not by timing it here).
    const running = runStreaming(process.execPath, ['-e', 'console.log("working"); setInterval(() => {}, 1000)'], { signal: controller.signal, onLine: () => controller.abort() });
    const outcome = await running;
    expect(outcome).toMatchObject({ cancelled: true, code: null, signal: 'SIGTERM', tail: ['working'] });
  });
});

describe('the best device', () => {
  const env = (over: object) => ({ v: 1 as const, type: 'env' as const, runtime: '0.1', python: '3.11', platform: 'x', torch: '2', ultralytics: '8', cuda: null, mps: null, cpu: null, problems: [], ...over });
  it('is the first working GPU, else MPS, else the CPU', () => {
    const device = (index: number, works: boolean) => ({ index, name: `GPU ${index}`, memory_bytes: 1, capability: '8.9', works, error: null });
    expect(bestDevice(env({ cuda: { available: true, version: '12.8', devices: [device(0, false), device(1, true)] }, cpu: { works: true, error: null } }))).toBe('1');
    expect(bestDevice(env({ mps: { available: true, works: true, error: null }, cpu: { works: true, error: null } }))).toBe('mps');
    expect(bestDevice(env({ mps: { available: true, works: false, error: 'x' }, cpu: { works: true, error: null } }))).toBe('cpu');
    expect(bestDevice(env({}))).toBeNull();
  });
});
