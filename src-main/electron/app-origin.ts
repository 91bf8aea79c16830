/**
 * The renderer's origin, `app://studio`: the only page that may call IPC or be shown in the
 * window. Everything that checks "is this our page?" asks here.
 */
import { APP_SCHEME } from '@shared';

export const APP_HOST = 'studio';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Whether a URL belongs to the studio's own pages (exact scheme and host, no port). */
export function isAppUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
  } catch {
    return false;
  }
}
