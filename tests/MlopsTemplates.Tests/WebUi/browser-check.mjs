#!/usr/bin/env node
// usage: node browser-check.mjs <gateway-url> <record-json> <screenshot.png>
// Opens the web UI in Debian's Chromium (playwright-core from tests/validators drives it; no browser is
// downloaded), waits for the service status, types the record into the form as a person would, presses
// Predict and prints what the page then shows, as JSON: the status line, the prediction or the alert, and
// the page's whole text (a blank page has none). Saves a screenshot of the final page.
import { createRequire } from "node:module";

const { chromium } = createRequire(new URL("../../validators/", import.meta.url))("playwright-core");
const [url, recordJson, screenshot] = process.argv.slice(2);
const record = JSON.parse(recordJson);
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  const consoleErrors = [];
  page.on("pageerror", (error) => consoleErrors.push(error.message));
  await page.goto(url, { waitUntil: "load", timeout: 15000 });
  const status = page.getByRole("status");
  await status.waitFor({ timeout: 15000 });
  const statusText = await status.innerText();
  for (const [name, value] of Object.entries(record)) {
    await page.locator(`input[name="${name}"]`).fill(String(value));
  }
  await page.getByRole("button", { name: "Predict" }).click();
  const outcome = page.locator('[data-testid="label"], [role="alert"]').first();
  await outcome.waitFor({ timeout: 15000 });
  const result = {
    status: statusText,
    label: await page.locator('[data-testid="label"]').allInnerTexts(),
    probability: await page.locator('[data-testid="probability"]').allInnerTexts(),
    modelVersion: await page.locator('[data-testid="model-version"]').allInnerTexts(),
    alert: await page.getByRole("alert").allInnerTexts(),
    fields: await page.locator("form input").count(),
    text: await page.locator("body").innerText(),
    pageErrors: consoleErrors,
  };
  await page.screenshot({ path: screenshot, fullPage: true });
  process.stdout.write(JSON.stringify(result));
} finally {
  await browser.close();
}
