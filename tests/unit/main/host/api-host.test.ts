import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listChannels, studioContract } from '@shared';
import { createStudio } from '../../../../src-main/studio.js';
import { tempDir } from '../../helpers/images.js';
import { memorySettings } from '../../helpers/settings.js';

const ctx = { transport: 'ws' as const };

describe('ApiHost over the studio services', () => {
  it('implements every method of the contract', () => {
    const { host } = createStudio({ mode: 'serve', settings: memorySettings() });
    const methods = listChannels(studioContract).filter((c) => c.kind === 'method').map((c) => c.channel);
    expect(host.methodChannels.sort()).toEqual(methods.sort());
  });

  it('validates every payload and answers with an error the UI can show', async () => {
    const { host } = createStudio({ mode: 'serve', settings: memorySettings() });
    expect(await host.invoke('reticle:projects.create', { dir: '', name: 'x', task: 'detect' }, ctx)).toEqual({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringMatching(/dir.*a path is required/) },
    });
    expect(await host.invoke('reticle:projects.create', { dir: '/tmp/x', name: 'x', task: 'segment' }, ctx)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await host.invoke('reticle:images.list', { limit: 10 ** 9 }, ctx)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await host.invoke('reticle:nope.nothing', {}, ctx)).toMatchObject({ ok: false, error: { code: 'invalid_input', message: /Unknown call/ } });
    expect(await host.invoke('__proto__', {}, ctx)).toMatchObject({ ok: false });
    expect(await host.invoke('reticle:images.counts', undefined, ctx)).toEqual({ ok: false, error: { code: 'no_project', message: expect.stringMatching(/No project is open/) } });
  });

  it('creates, lists and reopens a project, remembering it among the recent ones', async () => {
    const settings = memorySettings();
    const { host, dispose } = createStudio({ mode: 'serve', settings });
    const events: string[] = [];
    host.onEvent((channel) => events.push(channel));
    const dir = path.join(tempDir(), 'proj');
    const created = await host.invoke('reticle:projects.create', { dir, name: 'Cars', task: 'detect' }, ctx);
    expect(created).toMatchObject({ ok: true, value: { name: 'Cars', task: 'detect', dir } });
    expect(await host.invoke('reticle:classes.create', { name: 'car' }, ctx)).toMatchObject({ ok: true, value: { name: 'car', color: /^#/ } });
    expect(await host.invoke('reticle:classes.create', { name: 'car' }, ctx)).toMatchObject({ ok: false, error: { code: 'already_exists' } });
    await dispose();
    const again = createStudio({ mode: 'serve', settings });
    expect(await again.host.invoke('reticle:app.recentProjects', undefined, ctx)).toMatchObject({ ok: true, value: [{ dir, name: 'Cars' }] });
    expect(await again.host.invoke('reticle:projects.open', { dir }, ctx)).toMatchObject({ ok: true });
    expect(await again.host.invoke('reticle:classes.list', undefined, ctx)).toMatchObject({ ok: true, value: [{ name: 'car' }] });
    expect(events).toContain('reticle:projects.onChanged');
    expect(events).toContain('reticle:classes.onChanged');
    await again.dispose();
  });

  it('says the folder picker is a desktop feature where there is none', async () => {
    const { host } = createStudio({ mode: 'serve', settings: memorySettings() });
    expect(await host.invoke('reticle:app.pickDirectory', {}, ctx)).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    expect(await host.invoke('reticle:app.info', undefined, ctx)).toMatchObject({ ok: true, value: { mode: 'serve', nativeDialogs: false, uploadsDroppedFiles: true } });
  });
});

describe('uploads left behind', () => {
  it('are cleared when the project is opened again', async () => {
    const { host, dispose } = createStudio({ mode: 'serve', settings: memorySettings() });
    const dir = path.join(tempDir(), 'p');
    await host.invoke('reticle:projects.create', { dir, name: 'p', task: 'detect' }, ctx);
    const leftover = path.join(dir, '.staging', 'upload-abandoned', 'a.jpg');
    fs.mkdirSync(path.dirname(leftover), { recursive: true });
    fs.writeFileSync(leftover, 'half an upload');
    await host.invoke('reticle:projects.open', { dir }, ctx);
    expect(fs.existsSync(path.join(dir, '.staging'))).toBe(false);
    await dispose();
  });
});
