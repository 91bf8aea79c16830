/**
 * Builds the typed API object from a contract and a transport. A transport only moves
 * envelopes and events; it knows nothing of domains.
 */
import { StudioError, isErrorPayload, type Envelope } from '../errors.js';
import { channelName, type ClientOf, type ContractSpec, type Unsubscribe } from './define.js';

export interface ClientTransport {
  invoke(channel: string, input: unknown): Promise<Envelope>;
  subscribe(channel: string, listener: (payload: unknown) => void): Unsubscribe;
}

export function createClient<C extends ContractSpec>(contract: C, transport: ClientTransport): ClientOf<C> {
  const api: Record<string, Record<string, unknown>> = {};
  for (const [domain, spec] of Object.entries(contract)) {
    const members: Record<string, unknown> = {};
    for (const [name, entry] of Object.entries(spec)) {
      const channel = channelName(domain, name);
      if (entry.kind === 'method') {
        members[name] = async (input: unknown) => unwrap(await transport.invoke(channel, input));
      } else {
        members[name] = (listener: (payload: unknown) => void) => transport.subscribe(channel, listener);
      }
    }
    api[domain] = members;
  }
  return api as ClientOf<C>;
}

export function unwrap<T>(envelope: Envelope<T>): T {
  if (envelope && envelope.ok === true) return envelope.value;
  const error = envelope && envelope.ok === false && isErrorPayload(envelope.error) ? envelope.error : null;
  if (error) throw new StudioError(error.code, error.message);
  throw new StudioError('internal', 'The studio answered with something it should not have.');
}
