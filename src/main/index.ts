/**
 * Electron main: a thin shell. It hardens the session, serves the renderer on app://, runs the
 * engine in a worker thread (startServiceHost: SQLite never runs on this thread) and relays
 * Api calls and events between the two. All product logic lives in src/core.
 */
import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell, type Session, type WebContents } from 'electron';
import { IPC_CALL, IPC_EVENT } from '../shared/transport.ts';
import { startServiceHost, type ServiceHost } from '../core/service/host.ts';
import { RENDERER_CSP } from '../server/csp.ts';
import { parseMainArgs } from './args.ts';
import { APP_ORIGIN, IPC_MENU, IPC_OPEN_DIALOG, IPC_SAVE_DIALOG, type MenuCommand } from './channels.ts';
import { createIpcHandlers, type NativeDialogs } from './ipc.ts';
import { menuTemplate } from './menu.ts';
import { handleAppScheme, registerAppScheme } from './protocol.ts';
import { isAllowedRequestUrl, isAppUrl, isExternalHttpUrl } from './trust.ts';

const OUT = import.meta.dirname; // out/main
/** Set by `electron-vite dev`: the renderer then comes from Vite's dev server. */
const DEV_URL = process.env.ELECTRON_RENDERER_URL;
const DEV_ORIGIN = DEV_URL ? new URL(DEV_URL).origin : undefined;
const dev = DEV_URL !== undefined || process.env.NODE_ENV === 'development';

const args = parseMainArgs(process.argv.slice(app.isPackaged ? 1 : 2));
if (args.userData) app.setPath('userData', args.userData);

app.enableSandbox();
registerAppScheme();

let host: ServiceHost | null = null;
let mainWindow: BrowserWindow | null = null;

function csp(): string {
  if (!DEV_ORIGIN) return RENDERER_CSP;
  // Vite's dev client injects an inline module script and talks to its server over a WebSocket.
  const ws = DEV_ORIGIN.replace(/^http/, 'ws');
  return RENDERER_CSP.replace("script-src 'self'", `script-src 'self' 'unsafe-inline' ${DEV_ORIGIN}`).replace("connect-src 'self'", `connect-src 'self' ${DEV_ORIGIN} ${ws}`);
}

function hardenSession(ses: Session): void {
  // Nothing from the network: only the app's files (and in dev the Vite server).
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequestUrl(details.url, DEV_ORIGIN) }));
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-security-policy') delete headers[k];
    headers['Content-Security-Policy'] = [csp()];
    callback({ responseHeaders: headers });
  });
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  // Copying from the editors writes the clipboard; nothing else is ever granted.
  ses.setPermissionCheckHandler((_wc, permission, origin) => permission === 'clipboard-sanitized-write' && isAppUrl(origin, DEV_ORIGIN));
  ses.setDevicePermissionHandler(() => false);
  ses.on('will-download', (event) => event.preventDefault());
}

function openExternal(url: string): void {
  if (isExternalHttpUrl(url)) void shell.openExternal(url);
}

/** Applies to every WebContents, including any the renderer might try to create. */
function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    openExternal(url);
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternal(url);
    return { action: 'deny' };
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 560,
    show: false,
    title: 'Cartograph',
    backgroundColor: '#16181d',
    webPreferences: {
      preload: join(OUT, '../preload/index.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false, // the spellchecker downloads dictionaries
      devTools: dev,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(DEV_URL ?? `${APP_ORIGIN}/index.html`);
  return win;
}

function sendMenu(command: MenuCommand): void {
  const win = BrowserWindow.getFocusedWindow() ?? mainWindow;
  win?.webContents.send(IPC_MENU, command);
}

function nativeDialogs(): NativeDialogs {
  const parent = (): BrowserWindow | undefined => BrowserWindow.getFocusedWindow() ?? mainWindow ?? undefined;
  return {
    async open(opts) {
      const props: ('openFile' | 'multiSelections')[] = opts.multi ? ['openFile', 'multiSelections'] : ['openFile'];
      const p = parent();
      const r = p ? await dialog.showOpenDialog(p, { title: opts.title, filters: opts.filters, properties: props }) : await dialog.showOpenDialog({ title: opts.title, filters: opts.filters, properties: props });
      return r.canceled ? [] : r.filePaths;
    },
    async save(opts) {
      const p = parent();
      const o = { title: opts.title, defaultPath: opts.defaultPath };
      const r = p ? await dialog.showSaveDialog(p, o) : await dialog.showSaveDialog(o);
      return r.canceled || !r.filePath ? null : r.filePath;
    },
  };
}

async function start(): Promise<void> {
  hardenSession(session.defaultSession);
  handleAppScheme(realpathSync(join(OUT, '../renderer')));

  host = await startServiceHost({
    userDataDir: app.getPath('userData'),
    workspace: args.db,
    // The repository's resources/ (sample capture, rule packs), beside out/.
    resourcesDir: resolve(OUT, '../../resources'),
    // Separate entries of the main build (electron.vite.config.ts).
    workerUrl: pathToFileURL(join(OUT, 'service-worker.js')),
    importWorkerUrl: pathToFileURL(join(OUT, 'import-worker.js')),
  });

  const handlers = createIpcHandlers(host, nativeDialogs(), DEV_ORIGIN);
  ipcMain.handle(IPC_CALL, (event, method: unknown, input: unknown) => handlers.call(event, method, input));
  ipcMain.handle(IPC_OPEN_DIALOG, (event, opts: unknown) => handlers.openDialog(event, opts));
  ipcMain.handle(IPC_SAVE_DIALOG, (event, opts: unknown) => handlers.saveDialog(event, opts));
  host.onEvent((event, payload) => {
    for (const win of BrowserWindow.getAllWindows()) if (!win.webContents.isDestroyed()) win.webContents.send(IPC_EVENT, event, payload);
  });

  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ isMac: process.platform === 'darwin', dev, send: sendMenu })));
  mainWindow = createWindow();
}

app.on('web-contents-created', (_event, contents) => lockDown(contents));

app.whenReady().then(start).catch((err: unknown) => {
  dialog.showErrorBox('Cartograph could not start', (err as Error)?.message ?? String(err));
  app.exit(1);
});

app.on('activate', () => {
  if (host && BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Let the engine finish its transaction and close the workspace before the process ends.
let quitting = false;
app.on('will-quit', (event) => {
  if (!host || quitting) return;
  quitting = true;
  event.preventDefault();
  const h = host;
  host = null;
  const force = setTimeout(() => app.exit(0), 5000);
  void h.close().finally(() => {
    clearTimeout(force);
    app.quit();
  });
});
