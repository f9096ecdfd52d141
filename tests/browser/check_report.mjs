// Open a vaelab report in Chromium and check it: no console errors, every image loads, and the latent
// explorer's canvas changes when the pointer moves over the plane. Keeps a screenshot.
//   node check_report.mjs REPORT_DIR SCREENSHOT.png
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [dir, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const problems = [];
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on("console", (msg) => { if (msg.type() === "error") problems.push(`console error: ${msg.text()}`); });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (req) => problems.push(`request failed: ${req.url()}`));
  await page.goto(pathToFileURL(path.resolve(dir, "index.html")).href, { waitUntil: "load" });
  // Lazy images load when scrolled to: load them all.
  await page.evaluate(() => document.querySelectorAll("img").forEach((img) => { img.loading = "eager"; }));
  await page.waitForFunction(() => [...document.images].every((img) => img.complete), null, { timeout: 30000 });
  const broken = await page.evaluate(() => [...document.images].filter((i) => i.naturalWidth === 0).map((i) => i.src));
  broken.forEach((src) => problems.push(`image did not load: ${src}`));
  const images = await page.evaluate(() => document.images.length);
  const plane = page.locator("#explorer-plane");
  let changed = false;
  if (await plane.count()) {
    await plane.scrollIntoViewIfNeeded();
    const box = await plane.boundingBox();
    const read = () => page.evaluate(() => document.getElementById("explorer-plane-out").toDataURL());
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2);
    const before = await read();
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.7, { steps: 5 });
    changed = before !== (await read());
    if (!changed) problems.push("the explorer's output canvas did not change when the pointer moved");
  } else {
    problems.push("no latent explorer on the page");
  }
  if (shot) await page.screenshot({ path: shot, fullPage: true });
  console.log(JSON.stringify({ images, explorer_changed: changed, problems }));
} finally {
  await browser.close();
}
process.exit(problems.length ? 1 : 0);
