/** Native dialogs the contract offers on the desktop (`app.pickDirectory`). */
import { BrowserWindow, dialog, type OpenDialogOptions } from 'electron';

/** A native folder picker, modal to the focused window; null when the user cancels. */
export async function pickDirectory(title?: string): Promise<string | null> {
  const options: OpenDialogOptions = { title, properties: ['openDirectory', 'createDirectory'] };
  const parent = BrowserWindow.getFocusedWindow();
  const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
  return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
}
