import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { menuTemplate } from '../../src/main/menu.ts';
import { parseMainArgs } from '../../src/main/args.ts';
import type { MenuCommand } from '../../src/main/channels.ts';

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);
}

describe('main: application menu', () => {
  it('has File commands with their shortcuts, sent to the renderer', () => {
    const sent: MenuCommand[] = [];
    const items = flatten(menuTemplate({ isMac: false, dev: false, send: (c) => sent.push(c) }));
    const byLabel = (label: string) => items.find((i) => i.label === label)!;
    expect(items.filter((i) => i.label && !i.role).map((i) => i.label)).toEqual(['File', 'New Workspace…', 'Open Workspace…', 'Save Workspace As…', 'Import…', 'View', 'Find']);
    expect(byLabel('Import…').accelerator).toBe('CmdOrCtrl+I');
    expect(byLabel('Find').accelerator).toBe('CmdOrCtrl+F');
    for (const label of ['New Workspace…', 'Open Workspace…', 'Save Workspace As…', 'Import…', 'Find']) (byLabel(label).click as () => void)();
    expect(sent).toEqual(['new-workspace', 'open-workspace', 'save-workspace-as', 'import', 'find']);
    expect(items.some((i) => i.role === 'quit')).toBe(true);
    expect(items.some((i) => i.role === 'editMenu')).toBe(true);
  });

  it('offers Reload and DevTools only in development', () => {
    const roles = (dev: boolean) => flatten(menuTemplate({ isMac: false, dev, send: () => {} })).map((i) => i.role);
    expect(roles(false)).not.toContain('reload');
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(true)).toContain('reload');
    expect(roles(true)).toContain('toggleDevTools');
    expect(flatten(menuTemplate({ isMac: true, dev: false, send: () => {} }))[0].role).toBe('appMenu');
  });
});

describe('main: command line', () => {
  it('reads --db and --user-data and ignores Chromium switches', () => {
    expect(parseMainArgs(['--db', 'shop.sqlite', '--enable-logging', '--user-data=/tmp/ud', '.'])).toEqual({ db: expect.stringMatching(/\/shop\.sqlite$/), userData: '/tmp/ud' });
    expect(parseMainArgs([])).toEqual({});
  });
});
