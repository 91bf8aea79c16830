/**
 * Browsers keep cookies per host, not per port: every studio on 127.0.0.1 shared one cookie
 * name, so a second `reticle serve` overwrote the first one's token and that tab answered 401 on
 * reload (issue 19, finding 9). Two real serve processes and one cookie jar, as a browser keeps
 * it: each studio now has a cookie of its own, and both go on serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReticleServe, type RunningStudio } from '../../../e2e/serve-fixture.js';
import { ensureCliBuilt } from '../../helpers/cli.js';

let studios: RunningStudio[] = [];

beforeAll(async () => {
  ensureCliBuilt();
  studios = await Promise.all([startReticleServe(), startReticleServe()]);
}, 90_000);
afterAll(async () => {
  await Promise.all(studios.map((s) => s.stop()));
});

/** A browser's cookie jar for one host: one value per name, whatever the port. */
const jar = new Map<string, string>();

async function load(url: string): Promise<number> {
  const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  const res = await fetch(url, { headers: cookie ? { Cookie: cookie } : {} });
  for (const set of res.headers.getSetCookie()) {
    const [pair] = set.split(';');
    const at = pair.indexOf('=');
    jar.set(pair.slice(0, at), pair.slice(at + 1));
  }
  await res.arrayBuffer();
  return res.status;
}

describe('two reticle serve processes in one browser', () => {
  it('each keeps its own cookie, named by its port, and a reload of either still works', async () => {
    const [a, b] = studios.map((s) => new URL(s.url));
    expect(await load(a.href)).toBe(200);
    expect(await load(b.href)).toBe(200);
    expect([...jar.keys()].sort()).toEqual([`reticle_token_${a.port}`, `reticle_token_${b.port}`].sort());

    // Reloads, without the token in the address: the cookie alone lets each one in.
    expect(await load(`http://${a.host}/`)).toBe(200);
    expect(await load(`http://${b.host}/`)).toBe(200);
  });
});
