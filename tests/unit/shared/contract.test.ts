import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  StudioError,
  channelName,
  createClient,
  listChannels,
  studioContract,
  unwrap,
  type ClientTransport,
  type StudioApi,
  type StudioServices,
} from '@shared';

describe('the studio contract', () => {
  it('derives every channel name from the contract, never by hand', () => {
    const channels = listChannels(studioContract);
    expect(channels.length).toBeGreaterThan(10);
    for (const c of channels) expect(c.channel).toBe(`reticle:${c.domain}.${c.name}`);
    expect(new Set(channels.map((c) => c.channel)).size).toBe(channels.length);
    expect(channels.filter((c) => c.kind === 'event').every((c) => /^on[A-Z]/.test(c.name))).toBe(true);
    expect(channels.filter((c) => c.kind === 'method').some((c) => /^on[A-Z]/.test(c.name))).toBe(false);
  });

  it('types the client and the services from the same spec (no missing or extra member)', () => {
    expectTypeOf<keyof StudioApi>().toEqualTypeOf<keyof typeof studioContract>();
    expectTypeOf<keyof StudioApi['imports']>().toEqualTypeOf<'start'>();
    expectTypeOf<keyof StudioApi['jobs']>().toEqualTypeOf<'list' | 'cancel' | 'onProgress' | 'onFinished'>();
    // Services implement methods only; events are emitted, not implemented.
    expectTypeOf<keyof StudioServices['jobs']>().toEqualTypeOf<'list' | 'cancel'>();
    expectTypeOf<StudioApi['images']['list']>().parameter(0).toHaveProperty('filter');
    expectTypeOf<ReturnType<StudioApi['projects']['current']>>().resolves.toEqualTypeOf<import('@shared').ProjectInfo | null>();
    expectTypeOf<StudioApi['jobs']['onProgress']>().returns.toEqualTypeOf<() => void>();
  });

  it('builds a client whose calls and events go through the transport, with errors as StudioError', async () => {
    const calls: [string, unknown][] = [];
    const listeners = new Map<string, (p: unknown) => void>();
    const transport: ClientTransport = {
      invoke: async (channel, input) => {
        calls.push([channel, input]);
        return channel === channelName('projects', 'current')
          ? { ok: true, value: null }
          : { ok: false, error: { code: 'no_project', message: 'No project is open.' } };
      },
      subscribe: (channel, listener) => {
        listeners.set(channel, listener);
        return () => listeners.delete(channel);
      },
    };
    const api = createClient(studioContract, transport);
    expect(await api.projects.current()).toBeNull();
    const err = await api.images.counts().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StudioError);
    expect(err).toMatchObject({ code: 'no_project', message: 'No project is open.' });
    const seen: unknown[] = [];
    const off = api.jobs.onProgress((p) => seen.push(p));
    listeners.get('reticle:jobs.onProgress')?.({ jobId: 'j' });
    off();
    expect(seen).toEqual([{ jobId: 'j' }]);
    expect(listeners.has('reticle:jobs.onProgress')).toBe(false);
    expect(calls.map((c) => c[0])).toEqual(['reticle:projects.current', 'reticle:images.counts']);
  });

  it('refuses a malformed envelope instead of returning garbage', () => {
    expect(() => unwrap({ nonsense: true } as never)).toThrow(StudioError);
    expect(() => unwrap({ ok: false, error: { code: 'made_up', message: 'x' } } as never)).toThrow(/should not have/);
  });
});
