// Shared by the e2e tests and the benchmark: Debian's Chromium through
// playwright-core, and the recorder's static server (www/serve.mjs) on a
// free port, unless run.sh already started one (SESSIONTRAIL_E2E_URL).

import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { serve } from "../../www/serve.mjs";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const SCREENSHOTS = fileURLToPath(new URL("./screenshots/", import.meta.url));
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** The server's base URL, and a stop function (a no-op for run.sh's). */
export async function server() {
  if (process.env.SESSIONTRAIL_E2E_URL) return { url: process.env.SESSIONTRAIL_E2E_URL, close: async () => {} };
  return serve({ port: 0 });
}

/** A fresh headless Chromium (its own temporary profile). */
export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A page that fails the test on any uncaught error or console error. */
export async function watchedPage(context, errors) {
  return watch(await context.newPage(), errors);
}

/** Collects `page`'s uncaught errors, console errors and failed loads. */
export function watch(page, errors) {
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    // Failed loads are reported below with their URL.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(`console: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return page;
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** Opens `url` in a second browser window from `page` (a popup, so both
 *  windows are on screen: a background tab gets no compositor frames, and
 *  clicks in it wait on them). */
export async function secondWindow(page, url, errors) {
  const [popup] = await Promise.all([
    page.waitForEvent("popup"),
    page.evaluate((url) => window.open(url, "_blank", "popup,width=1000,height=900"), url),
  ]);
  return watch(popup, errors);
}

/** A unique log name per test, so runs never see each other's data. */
export function uniqueName(prefix) {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(16).slice(2, 8)}`;
}

/** The envelope fields every event needs. */
export const AGENT = {
  session_id: "ssn_e2e",
  agent_id: "agent://e2e",
  agent_instance_id: "ai_e2e",
  agent_name: "e2e",
  host_id: "chromium",
};
