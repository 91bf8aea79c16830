/** `reticle-server`'s flags and environment, and the object keys no request can bend into a path. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { optionsFromCli, UsageError } from '../../../src-server/config.js';
import { FileObjectStore } from '../../../src-server/storage/file-object-store.js';
import { objectKey } from '../../../src-server/storage/object-store.js';
import { LoginThrottle } from '../../../src-server/auth/login-throttle.js';

describe('reticle-server options', () => {
  it('takes flags over the environment, with defaults for the rest', () => {
    const options = optionsFromCli(['--port', '9000', '--data', '/srv/reticle', '--no-registration'], { PORT: '1234', HOST: '0.0.0.0' });
    expect(options).toMatchObject({ port: 9000, host: '0.0.0.0', dataDir: '/srv/reticle', allowRegistration: false, databaseUrl: undefined, objectStore: undefined, trustProxy: false });
    expect(optionsFromCli([], {})).toMatchObject({ port: 8787, host: '127.0.0.1', allowRegistration: true });
  });

  it('reads DATABASE_URL, the S3 settings, CORS origins and limits from the environment', () => {
    const options = optionsFromCli([], {
      DATABASE_URL: 'postgres://u:p@db/reticle',
      S3_BUCKET: 'team',
      S3_ENDPOINT: 'http://minio:9000',
      S3_REGION: 'eu-west-1',
      S3_PREFIX: 'studio/',
      S3_ACCESS_KEY_ID: 'key',
      S3_SECRET_ACCESS_KEY: 'secret',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      MAX_UPLOAD_MB: '64',
      RATE_LIMIT_PER_MINUTE: '0',
      TRUST_PROXY: '1',
    });
    expect(options).toMatchObject({
      databaseUrl: 'postgres://u:p@db/reticle',
      objectStore: { bucket: 'team', endpoint: 'http://minio:9000', region: 'eu-west-1', prefix: 'studio/', accessKeyId: 'key', secretAccessKey: 'secret' },
      corsOrigins: ['https://a.example', 'https://b.example'],
      maxUploadBytes: 64 * 1024 * 1024,
      rateLimitPerMinute: 0,
      trustProxy: true,
    });
  });

  it('refuses unknown flags and bad numbers with a usage error', () => {
    expect(() => optionsFromCli(['--prot', '1'], {})).toThrow(UsageError);
    expect(() => optionsFromCli(['--port', 'eighty'], {})).toThrow(/--port must be a whole number/);
    expect(() => optionsFromCli(['--port', '70000'], {})).toThrow(/at most 65535/);
    expect(() => optionsFromCli([], { MAX_UPLOAD_MB: '-3' })).toThrow(/MAX_UPLOAD_MB/);
  });
});

describe('object keys and the file store', () => {
  const hash = 'ab'.repeat(32);

  it('makes keys only from lowercase hex hashes', () => {
    expect(objectKey('media', hash)).toBe(`media/${hash}`);
    for (const bad of ['../../etc/passwd', hash.toUpperCase(), `${hash.slice(1)}/`, '', `${hash}x`]) expect(() => objectKey('media', bad)).toThrow(/not a content hash/);
  });

  it('moves a finished temp file into place and refuses keys that are not its own', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-objects-'));
    try {
      const store = new FileObjectStore(path.join(root, 'objects'));
      const temp = path.join(root, 'upload.part');
      fs.writeFileSync(temp, 'bytes');
      await store.putFile(`media/${hash}`, temp, 5);
      expect(fs.existsSync(temp)).toBe(false);
      expect(fs.readFileSync(path.join(root, 'objects', 'media', 'ab', hash), 'utf8')).toBe('bytes');
      expect(await store.has(`media/${hash}`)).toBe(true);
      const got = await store.get(`media/${hash}`);
      expect(got?.bytes).toBe(5);
      got?.stream.destroy();
      expect(await store.get(`models/${hash}`)).toBeNull();
      await expect(store.putFile('media/../../escape', temp, 0)).rejects.toThrow(/not an object key/);
      await store.delete(`media/${hash}`);
      expect(await store.has(`media/${hash}`)).toBe(false);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('the per-account login throttle', () => {
  it('locks after the limit within the window and forgets failures as they age out', () => {
    const throttle = new LoginThrottle(3, 60_000);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) throttle.fail('a@x', t0 + i * 1000);
    expect(throttle.retryAfter('a@x', t0 + 3000)).toBe(57);
    expect(throttle.retryAfter('b@x', t0 + 3000)).toBe(0);
    expect(throttle.retryAfter('a@x', t0 + 60_001)).toBe(0);
    throttle.succeed('a@x');
    expect(throttle.retryAfter('a@x', t0 + 3000)).toBe(0);
  });
});
