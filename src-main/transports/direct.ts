/** The CLI's transport: calls the host in-process, through the same validation as IPC and WS. */
import { createClient, studioContract, type ClientTransport, type StudioApi, type StudioContract } from '@shared';
import type { ApiHost } from '../host/api-host.js';

export function createDirectClient(host: ApiHost<StudioContract>): StudioApi {
  const transport: ClientTransport = {
    invoke: (channel, input) => host.invoke(channel, input, { transport: 'direct' }),
    subscribe: (channel, listener) => host.onEvent((c, payload) => c === channel && listener(payload)),
  };
  return createClient(studioContract, transport);
}

