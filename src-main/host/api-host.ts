/**
 * The contract's server side, shared by every transport: looks a channel up, validates its
 * payload with the contract's zod schema, calls the service, and returns an envelope. Events
 * services emit are fanned out to whichever transports listen.
 */
import { z } from 'zod';
import {
  StudioError,
  channelName,
  toErrorPayload,
  type CallContext,
  type ContractSpec,
  type EmitterOf,
  type Envelope,
  type MethodSpec,
  type ServicesOf,
} from '@shared';

type EventListener = (channel: string, payload: unknown) => void;

interface Route {
  input: z.ZodType;
  call: (input: unknown, ctx: CallContext) => unknown;
}

export class ApiHost<C extends ContractSpec> {
  private readonly routes = new Map<string, Route>();
  private readonly eventChannels = new Set<string>();
  private readonly listeners = new Set<EventListener>();
  /** Typed event emitter for the services: `host.emit.jobs.onProgress(p)`. */
  readonly emit: EmitterOf<C>;

  constructor(contract: C, services: ServicesOf<C> | (() => ServicesOf<C>)) {
    const emit: Record<string, Record<string, (payload: unknown) => void>> = {};
    const resolve = typeof services === 'function' ? services : () => services;
    for (const [domain, spec] of Object.entries(contract)) {
      emit[domain] = {};
      for (const [name, entry] of Object.entries(spec)) {
        const channel = channelName(domain, name);
        if (entry.kind === 'event') {
          this.eventChannels.add(channel);
          emit[domain][name] = (payload) => this.publish(channel, payload);
        } else {
          this.routes.set(channel, {
            input: (entry as MethodSpec).input,
            call: (input, ctx) => {
              const impl = (resolve() as Record<string, Record<string, (i: unknown, c: CallContext) => unknown>>)[domain]?.[name];
              if (typeof impl !== 'function') throw new StudioError('internal', `${channel} has no implementation.`);
              return impl.call((resolve() as Record<string, unknown>)[domain], input, ctx);
            },
          });
        }
      }
    }
    this.emit = emit as EmitterOf<C>;
  }

  get methodChannels(): string[] {
    return [...this.routes.keys()];
  }

  get eventChannelNames(): string[] {
    return [...this.eventChannels];
  }

  hasMethod(channel: string): boolean {
    return this.routes.has(channel);
  }

  async invoke(channel: string, rawInput: unknown, ctx: CallContext): Promise<Envelope> {
    const route = typeof channel === 'string' ? this.routes.get(channel) : undefined;
    if (!route) {
      // String() throws on an object without a prototype: name what came instead of a channel.
      const shown = typeof channel === 'string' ? channel.slice(0, 100) : `(a ${channel === null ? 'null' : typeof channel} instead of a channel name)`;
      return { ok: false, error: { code: 'invalid_input', message: `Unknown call ${shown}.` } };
    }
    const parsed = route.input.safeParse(rawInput);
    if (!parsed.success) {
      return { ok: false, error: { code: 'invalid_input', message: describeZodError(channel, parsed.error) } };
    }
    try {
      const value = await route.call(parsed.data, ctx);
      return { ok: true, value: value === undefined ? null : value };
    } catch (err) {
      const error = toErrorPayload(err);
      if (error.code === 'internal') console.error(`[reticle] ${channel} failed:`, err);
      return { ok: false, error };
    }
  }

  /** Listens to every event; returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private publish(channel: string, payload: unknown): void {
    for (const listener of this.listeners) {
      try {
        listener(channel, payload);
      } catch (err) {
        console.error(`[reticle] an event listener for ${channel} failed:`, err);
      }
    }
  }
}

function describeZodError(channel: string, error: z.ZodError): string {
  const first = error.issues[0];
  const where = first?.path.length ? ` (${first.path.join('.')})` : '';
  return `Invalid request to ${channel}${where}: ${first?.message ?? 'the payload does not match the contract'}.`;
}
