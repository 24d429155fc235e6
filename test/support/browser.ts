// A real browser for console tests: playwright-core driving Debian's Chromium, headless, with no
// background networking and a fresh profile per launch (removed by close()).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './service-harness.js';
import { tempDir } from './temp-dir.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Where the console tests write their screenshots, for review (gitignored). */
export const SCREENSHOT_DIR = path.join(repoRoot, 'test-output', 'console-screenshots');

/** The two viewports the console must be usable at. */
export const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

export interface TestBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Writes `<name>-<viewport>.png` into SCREENSHOT_DIR; returns its path. */
  screenshot(name: string, viewport: keyof typeof VIEWPORTS): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`);
  const userDataDir = await tempDir('jobhook-chromium-');
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const context = await chromium.launchPersistentContext(userDataDir.path, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: VIEWPORTS.desktop,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async screenshot(name, viewport) {
      await page.setViewportSize(VIEWPORTS[viewport]);
      const file = path.join(SCREENSHOT_DIR, `${name}-${viewport}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close().catch(() => undefined);
      await userDataDir.dispose();
    },
  };
}
