/**
 * Which pretrained weights the studio offers, and where a download of one comes from: a mirror
 * (`RETICLE_WEIGHTS_MIRROR`, else the studio's setting) or Ultralytics' release assets, the
 * place Ultralytics itself downloads them from (ultralytics/utils/downloads.py, release v8.4.0).
 */
import { MODEL_FAMILIES, MODEL_SIZES, pretrainedName, type PretrainedWeights, type WeightsLibraryState } from '@shared';
import type { SettingsStore } from '../settings/settings-store.js';

export const RELEASES_URL = 'https://github.com/ultralytics/assets/releases/download/v8.4.0/';
export const MIRROR_SETTING = 'weights.mirror';

/** Every family and size, for detection (COCO) and classification (ImageNet). */
export function pretrainedCatalog(inLibrary: (name: string) => boolean): PretrainedWeights[] {
  const out: PretrainedWeights[] = [];
  for (const task of ['detect', 'classify'] as const) {
    for (const family of MODEL_FAMILIES) {
      for (const size of MODEL_SIZES) {
        const name = pretrainedName(family, size, task);
        out.push({ name, family, size, task, dataset: task === 'classify' ? 'ImageNet' : 'COCO', inLibrary: inLibrary(name) });
      }
    }
  }
  return out;
}

/** A folder URL ends with a slash, so that `new URL(name, folder)` lands inside it. */
function asFolder(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

export function downloadSource(env: NodeJS.ProcessEnv, settings: SettingsStore): WeightsLibraryState['source'] {
  const fromEnv = env.RETICLE_WEIGHTS_MIRROR?.trim();
  if (fromEnv) return { kind: 'mirror', url: asFolder(fromEnv), from: 'env' };
  const saved = settings.get<string | null>(MIRROR_SETTING);
  if (typeof saved === 'string' && saved) return { kind: 'mirror', url: asFolder(saved), from: 'setting' };
  return { kind: 'releases', url: RELEASES_URL };
}

export function downloadUrl(source: WeightsLibraryState['source'], name: string): string {
  return new URL(encodeURIComponent(name), source.url).toString();
}
