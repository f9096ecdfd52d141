// Open a vaelab report in Chromium and check it, at a 1280 px screen and at a 390 px phone: no console errors,
// every image loads, every section (h2, h3) renders with content, the body never scrolls sideways (wide tables
// and code scroll inside their own boxes), and the latent explorer's canvas changes when the pointer moves over
// the plane. Writes a screenshot of each section at each width into SHOTS_DIR, for review.
//   node check_report.mjs REPORT_DIR SHOTS_DIR
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [dir, shots] = process.argv.slice(2);
const WIDTHS = [1280, 390];
const MAX_SHOT = 2400; // px of a section's screenshot, at most
mkdirSync(shots, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const problems = [];
const result = { images: 0, sections: 0, shots: 0, explorer_changed: false, sliders: 0, widths: {} };

async function open(width) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  page.on("console", (msg) => { if (msg.type() === "error") problems.push(`${width}px console error: ${msg.text()}`); });
  page.on("pageerror", (err) => problems.push(`${width}px page error: ${err.message}`));
  page.on("requestfailed", (req) => problems.push(`${width}px request failed: ${req.url()}`));
  await page.goto(pathToFileURL(path.resolve(dir, "index.html")).href, { waitUntil: "load" });
  // Lazy images load when scrolled to: load them all.
  await page.evaluate(() => document.querySelectorAll("img").forEach((img) => { img.loading = "eager"; }));
  await page.waitForFunction(() => [...document.images].every((img) => img.complete), null, { timeout: 30000 });
  return page;
}

async function checkImages(page, width) {
  const broken = await page.evaluate(() => [...document.images].filter((i) => i.naturalWidth === 0).map((i) => i.src));
  broken.forEach((src) => problems.push(`${width}px image did not load: ${src}`));
  result.images = await page.evaluate(() => document.images.length);
}

async function checkOverflow(page, width) {
  // The body must fit the viewport; report the widest elements that stick out (outside scrolling boxes).
  const out = await page.evaluate(() => {
    const view = document.documentElement.clientWidth;
    const inScroller = (el) => {
      for (let p = el.parentElement; p; p = p.parentElement) {
        const s = getComputedStyle(p).overflowX;
        if (s === "auto" || s === "scroll" || s === "hidden") return true;
      }
      return false;
    };
    const wide = [...document.querySelectorAll("main *")]
      .filter((el) => el.getBoundingClientRect().right > view + 1 && !inScroller(el))
      .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${el.className}`);
    return { scroll: document.documentElement.scrollWidth, view, wide };
  });
  result.widths[width] = out;
  if (out.scroll > out.view + 1) problems.push(`${width}px: the page is ${out.scroll}px wide: ${out.wide.join(", ")}`);
}

async function shootSections(page, width) {
  const sections = await page.evaluate(() => {
    const heads = [...document.querySelectorAll("main h2[id], main h3[id]")];
    const end = document.querySelector("main").getBoundingClientRect().bottom + window.scrollY;
    const firstTop = heads.length ? heads[0].getBoundingClientRect().top + window.scrollY : end;
    const first = { id: "top", top: 8, height: firstTop - 8, visible: true }; // the title and the contents
    return [first].concat(heads.map((h, i) => {
      const top = h.getBoundingClientRect().top + window.scrollY;
      const next = i + 1 < heads.length ? heads[i + 1].getBoundingClientRect().top + window.scrollY : end;
      const r = h.getBoundingClientRect();
      return { id: h.id, top, height: next - top, visible: r.width > 0 && r.height > 0 };
    }));
  });
  result.sections = sections.length - 1; // the headed sections; the first shot is the page's top (title, contents)
  for (const [i, s] of sections.entries()) {
    if (!s.visible || s.height < 40) problems.push(`${width}px: section #${s.id} does not render (${s.height}px)`);
    // the viewport as tall as the section (layout depends on the width only), scrolled to its heading
    await page.setViewportSize({ width, height: Math.round(Math.min(MAX_SHOT, Math.max(200, s.height + 8))) });
    await page.evaluate((y) => window.scrollTo(0, y), Math.max(0, s.top - 8));
    const name = `${width}-${String(i).padStart(2, "0")}-${s.id}.png`;
    await page.screenshot({ path: path.join(shots, name) });
    result.shots += 1;
  }
}

async function checkExplorer(page) {
  const plane = page.locator("#explorer-plane");
  if (!(await plane.count())) { problems.push("no latent explorer on the page"); return; }
  await plane.scrollIntoViewIfNeeded();
  const box = await plane.boundingBox();
  const read = () => page.evaluate(() => document.getElementById("explorer-plane-out").toDataURL());
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2);
  const before = await read();
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.7, { steps: 5 });
  result.explorer_changed = before !== (await read());
  if (!result.explorer_changed) problems.push("the explorer's output canvas did not change when the pointer moved");
  result.sliders = await page.evaluate(() => document.querySelectorAll("#explorer-sliders input").length);
}

try {
  for (const width of WIDTHS) {
    const page = await open(width);
    await checkImages(page, width);
    await checkOverflow(page, width);
    await shootSections(page, width);
    if (width === WIDTHS[0]) await checkExplorer(page);
    await page.close();
  }
  console.log(JSON.stringify({ ...result, problems }));
} finally {
  await browser.close();
}
process.exit(problems.length ? 1 : 0);
