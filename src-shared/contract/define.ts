/**
 * The building blocks of the contract. A contract is a plain object of domains; each domain maps
 * names to methods (a zod schema for the input and a phantom type for the result) or to events
 * (a phantom payload type). Everything else (the client API, the service interface main
 * implements, channel names) is derived from it, so no side can drift from another.
 */
import type { z } from 'zod';

declare const phantom: unique symbol;

/** A phantom type token: carries a type, holds nothing at run time. */
interface Returns<T> {
  readonly [phantom]?: T;
}

export function returns<T>(): Returns<T> {
  return {};
}

export interface MethodSpec<I extends z.ZodType = z.ZodType, O = unknown> {
  readonly kind: 'method';
  readonly input: I;
  readonly output?: Returns<O>;
}

interface EventSpec<P = unknown> {
  readonly kind: 'event';
  readonly payload?: Returns<P>;
}

export function method<I extends z.ZodType, O>(input: I, _output: Returns<O>): MethodSpec<I, O> {
  return { kind: 'method', input };
}

export function event<P>(): EventSpec<P> {
  return { kind: 'event' };
}

type DomainSpec = Record<string, MethodSpec<z.ZodType, unknown> | EventSpec<unknown>>;
export type ContractSpec = Record<string, DomainSpec>;

type MethodNames<D> = { [K in keyof D]: D[K] extends MethodSpec<z.ZodType, unknown> ? K : never }[keyof D];
type EventNames<D> = { [K in keyof D]: D[K] extends EventSpec<unknown> ? K : never }[keyof D];

type InputOf<M> = M extends MethodSpec<infer I, unknown> ? z.input<I> : never;
type ParsedInputOf<M> = M extends MethodSpec<infer I, unknown> ? z.output<I> : never;
type OutputOf<M> = M extends MethodSpec<z.ZodType, infer O> ? O : never;
type PayloadOf<E> = E extends EventSpec<infer P> ? P : never;

export type Unsubscribe = () => void;

/** What a caller sees: `api.images.list(query)` and `api.jobs.onProgress(cb)`. */
export type ClientOf<C extends ContractSpec> = {
  [D in keyof C]: {
    [K in MethodNames<C[D]>]: (input: InputOf<C[D][K]>) => Promise<OutputOf<C[D][K]>>;
  } & {
    [K in EventNames<C[D]>]: (listener: (payload: PayloadOf<C[D][K]>) => void) => Unsubscribe;
  };
};

/** Who made a call: lets a service tell the desktop window from a browser or the CLI. */
export interface CallContext {
  transport: 'ipc' | 'ws' | 'direct';
}

/** What main implements: every method, receiving its input already validated. */
export type ServicesOf<C extends ContractSpec> = {
  [D in keyof C]: {
    [K in MethodNames<C[D]>]: (input: ParsedInputOf<C[D][K]>, ctx: CallContext) => Promise<OutputOf<C[D][K]>> | OutputOf<C[D][K]>;
  };
};

/** How main pushes events: `emit.jobs.onProgress(payload)`. */
export type EmitterOf<C extends ContractSpec> = {
  [D in keyof C]: {
    [K in EventNames<C[D]>]: (payload: PayloadOf<C[D][K]>) => void;
  };
};

export const CHANNEL_PREFIX = 'reticle:';

/** Channel names are derived, never typed by hand: `reticle:images.list`. */
export function channelName(domain: string, name: string): string {
  return `${CHANNEL_PREFIX}${domain}.${name}`;
}

interface ChannelEntry {
  domain: string;
  name: string;
  channel: string;
  kind: 'method' | 'event';
}

export function listChannels(contract: ContractSpec): ChannelEntry[] {
  const out: ChannelEntry[] = [];
  for (const [domain, spec] of Object.entries(contract)) {
    for (const [name, entry] of Object.entries(spec)) {
      out.push({ domain, name, channel: channelName(domain, name), kind: entry.kind });
    }
  }
  return out;
}
