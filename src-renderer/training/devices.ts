/** The devices a runtime check found, as the runtime panel and the device select show them. */
import type { RuntimeStatus } from '@shared';
import { formatMemory } from './format.js';

interface DeviceOption {
  /** As `training.start` takes it: '0', 'mps', 'cpu'. */
  value: string;
  label: string;
  /** Memory and compute capability, for GPUs. */
  detail: string | null;
  works: boolean;
  /** Why it does not work. */
  reason: string | null;
  best: boolean;
}

export function deviceOptions(runtime: RuntimeStatus | null): DeviceOption[] {
  const env = runtime?.env;
  if (!env) return [];
  const best = runtime.bestDevice;
  const out: DeviceOption[] = [];
  for (const d of env.cuda?.devices ?? []) {
    const value = String(d.index);
    out.push({ value, label: `GPU ${d.index}: ${d.name}`, detail: `${formatMemory(d.memory_bytes)} · compute capability ${d.capability}`, works: d.works, reason: d.works ? null : (d.error ?? 'it failed the test'), best: best === value });
  }
  if (env.mps?.available) {
    out.push({ value: 'mps', label: 'Apple GPU (MPS)', detail: null, works: env.mps.works, reason: env.mps.works ? null : (env.mps.error ?? 'it failed the test'), best: best === 'mps' });
  }
  if (env.cpu) {
    out.push({ value: 'cpu', label: 'CPU', detail: null, works: env.cpu.works, reason: env.cpu.works ? null : (env.cpu.error ?? 'it failed the test'), best: best === 'cpu' });
  }
  return out;
}

/**
 * What the training form offers: each device the check found, and with two working GPUs or more,
 * all of those at once (Ultralytics' DDP, one training process per GPU), after the last GPU.
 */
export function trainingDeviceChoices(runtime: RuntimeStatus | null): DeviceOption[] {
  const devices = deviceOptions(runtime);
  const gpus = devices.filter((d) => /^\d+$/.test(d.value) && d.works);
  if (gpus.length < 2) return devices;
  const value = gpus.map((d) => d.value).join(',');
  const all: DeviceOption = { value, label: `All ${gpus.length} GPUs (${value})`, detail: 'one training process per GPU; an automatic batch is 16 a GPU', works: true, reason: null, best: false };
  const afterGpus = devices.findLastIndex((d) => /^\d+$/.test(d.value)) + 1;
  return [...devices.slice(0, afterGpus), all, ...devices.slice(afterGpus)];
}
