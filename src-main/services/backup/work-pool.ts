/** Runs async work over a list with a few items in flight: the way transfers go to and from S3. */

/**
 * Calls `work` for every item, at most `limit` at a time. The first failure (or a cancel) stops
 * new items from starting; once those in flight have settled, it is thrown.
 */
export async function forEachLimited<T>(items: readonly T[], limit: number, signal: AbortSignal | undefined, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (!failure && next < items.length) {
      if (signal?.aborted) {
        failure = { error: signal.reason };
        return;
      }
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failure ??= { error: signal?.aborted ? signal.reason : error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
  if (signal?.aborted) throw signal.reason;
}
