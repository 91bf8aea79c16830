/**
 * Waiting for something to happen, not for a while: polls `ready` until it answers a value (or
 * true), so a test goes on as soon as the thing it waits for is there, however fast or busy the
 * machine. `timeoutMs` is a hang guard only, far above any real wait: when it runs out the test
 * fails naming what never came, instead of hanging until the runner's own timeout.
 */
export async function until<T>(what: string | (() => string), ready: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await ready();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${typeof what === 'string' ? what : what()}, in vain (a hang guard, not a speed limit)`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
