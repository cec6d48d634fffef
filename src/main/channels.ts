/**
 * IPC channel names of the desktop bridge (DesktopBridge in src/shared/api.ts), shared by main
 * and the preload. Api calls and events use IPC_CALL / IPC_EVENT from src/shared/transport.ts.
 * Constants only: the sandboxed preload bundles this file.
 */
export const IPC_OPEN_DIALOG = 'cartograph:open-dialog';
export const IPC_SAVE_DIALOG = 'cartograph:save-dialog';
export const IPC_MENU = 'cartograph:menu';

/** Commands the application menu sends to the renderer through DesktopBridge.onMenu. */
export const MENU_COMMANDS = ['new-workspace', 'open-workspace', 'save-workspace-as', 'import', 'find'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

/** The app's own origin: the renderer is served from app://cartograph/. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'cartograph';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
