/**
 * The inference worker's allocator settings: on Linux its process starts with glibc told to keep
 * freed memory (inference-process.ts says why), the user's own tunables still win, and no other
 * system gets the variable.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WORKER_MALLOC_TUNABLES, inferenceWorkerEnv } from '../../../../src-main/services/inference/inference-process.js';
import { InferenceWorkerClient } from '../../../../src-main/services/inference/inference-worker-client.js';

describe('the inference worker’s environment', () => {
  it('keeps freed memory on Linux, after anything the user asked glibc for', () => {
    expect(inferenceWorkerEnv({ PATH: '/bin' }, 'linux')).toEqual({ PATH: '/bin', GLIBC_TUNABLES: WORKER_MALLOC_TUNABLES });
    const mine = inferenceWorkerEnv({ GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=0' }, 'linux').GLIBC_TUNABLES!;
    // glibc applies them in order: the user's trim threshold comes last and is the one used.
    expect(mine.split(':')).toEqual([...WORKER_MALLOC_TUNABLES.split(':'), 'glibc.malloc.trim_threshold=0']);
  });

  it('sets nothing on Windows or macOS, whose allocators ignore it', () => {
    const env = { PATH: 'C:\\Windows' };
    expect(inferenceWorkerEnv(env, 'win32')).toBe(env);
    expect(inferenceWorkerEnv(env, 'darwin')).toBe(env);
  });

  it.runIf(process.platform === 'linux')('the running worker process has them (Linux)', async () => {
    const client = new InferenceWorkerClient();
    try {
      await client.request({ type: 'unload', path: '/nothing' });
      const environ = fs.readFileSync(`/proc/${client.pid}/environ`, 'utf8').split('\0');
      // What the kernel shows of it: glibc 2.36 cuts the string at its first ':' as it parses it.
      expect(environ.find((line) => line.startsWith('GLIBC_TUNABLES='))).toMatch(/^GLIBC_TUNABLES=glibc\.malloc\.mmap_threshold=33554432\b/);
    } finally {
      await client.dispose();
    }
  });
});
