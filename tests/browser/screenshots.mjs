// The README's pictures of a report: the top of the page, and its "Claims at a glance" section.
//   node screenshots.mjs REPORT_DIR TOP.png CLAIMS.png
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [dir, top, claims] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await page.goto(pathToFileURL(path.resolve(dir, "index.html")).href, { waitUntil: "load" });
  await page.evaluate(() => document.querySelectorAll("img").forEach((img) => { img.loading = "eager"; }));
  await page.waitForFunction(() => [...document.images].every((img) => img.complete), null, { timeout: 30000 });
  await page.screenshot({ path: top });
  const section = page.locator("#claims");
  await section.scrollIntoViewIfNeeded();
  const box = await section.boundingBox();
  await page.screenshot({ path: claims, clip: { x: 0, y: box.y - 10, width: 1100, height: 1400 }, fullPage: true });
} finally {
  await browser.close();
}
