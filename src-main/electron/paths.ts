/** Where the desktop app keeps its own files (settings, the managed Python runtime). */
import { app } from 'electron';

/** The user-data folder, per OS (`~/.config/Reticle Studio`, `%APPDATA%\Reticle Studio`…). */
export function userDataDir(): string {
  return app.getPath('userData');
}
