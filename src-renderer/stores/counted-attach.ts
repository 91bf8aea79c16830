/**
 * `attach()` for a store that follows the studio's events: the first attach subscribes, the last
 * detach unsubscribes, so the app and a page may both attach and the events still arrive once.
 */
import type { Unsubscribe } from '@shared';

export function countedAttach(subscribe: () => Unsubscribe[]): () => Unsubscribe {
  let attachCount = 0;
  let subscriptions: Unsubscribe[] = [];
  return () => {
    attachCount++;
    if (attachCount === 1) subscriptions = subscribe();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      attachCount--;
      if (attachCount === 0) for (const unsubscribe of subscriptions.splice(0)) unsubscribe();
    };
  };
}
