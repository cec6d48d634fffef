/** The application menu. Commands go to the renderer (DesktopBridge.onMenu), which owns the flows. */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from './channels.ts';

export interface MenuOptions {
  isMac: boolean;
  /** Reload and DevTools exist only in development builds. */
  dev: boolean;
  send(command: MenuCommand): void;
}

export function menuTemplate({ isMac, dev, send }: MenuOptions): MenuItemConstructorOptions[] {
  const item = (label: string, command: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    ...(accelerator ? { accelerator } : {}),
    click: () => send(command),
  });
  const template: MenuItemConstructorOptions[] = [];
  if (isMac) template.push({ role: 'appMenu' });
  template.push(
    {
      label: 'File',
      submenu: [
        item('New Workspace…', 'new-workspace', 'CmdOrCtrl+N'),
        item('Open Workspace…', 'open-workspace', 'CmdOrCtrl+O'),
        item('Save Workspace As…', 'save-workspace-as', 'CmdOrCtrl+Shift+S'),
        { type: 'separator' },
        item('Import…', 'import', 'CmdOrCtrl+I'),
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit', label: 'Quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        item('Find', 'find', 'CmdOrCtrl+F'),
        ...(dev ? ([{ type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' }] as MenuItemConstructorOptions[]) : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
  );
  return template;
}
