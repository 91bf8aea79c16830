/**
 * The desktop transport: the preload's `window.reticle` bridge already speaks envelopes and
 * events, so this only renames `on` to `subscribe`.
 */
import type { ClientTransport, PreloadBridge } from '@shared';

export function bridgeTransport(bridge: PreloadBridge): ClientTransport {
  return {
    invoke: (channel, input) => bridge.invoke(channel, input),
    subscribe: (channel, listener) => bridge.on(channel, listener),
  };
}
