// Writes the emblem renderer's icon set from the npm package
// @phosphor-icons/core (MIT): every icon but the brand logos, in the
// "fill" weight, as one line each of
//
//   name <TAB> tags, comma-separated <TAB> SVG path data (256 × 256 box)
//
// to server/assets/icons/phosphor-fill.tsv, and the set's licence beside it.
// Run from end2end/ after `npm ci`:  node tools/phosphor-icons.mjs [out-dir]
// The browser suite runs it into a temporary folder and compares, so the
// committed file is always exactly what the package holds.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { icons } from "@phosphor-icons/core";

const here = path.dirname(fileURLToPath(import.meta.url));
// The package exports only its index; its assets sit beside it.
const root = path.join(here, "../node_modules/@phosphor-icons/core");
const out = process.argv[2] ?? path.join(here, "../../server/assets/icons");

function lines() {
  const rows = [];
  for (const icon of icons) {
    if (icon.categories.includes("brands")) continue;
    const svg = fs.readFileSync(path.join(root, "assets/fill", `${icon.name}-fill.svg`), "utf8");
    const data = [...svg.matchAll(/ d="([^"]+)"/g)].map((found) => found[1]).join(" ");
    const tags = icon.tags.filter((tag) => !tag.startsWith("*")).map((tag) => tag.toLowerCase().replace(/[\t,\n]/g, " "));
    rows.push(`${icon.name}\t${tags.join(",")}\t${data}`);
  }
  return rows.join("\n") + "\n";
}

fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, "phosphor-fill.tsv"), lines());
fs.copyFileSync(path.join(root, "LICENSE"), path.join(out, "LICENSE-phosphor.txt"));
const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
fs.writeFileSync(path.join(out, "VERSION"), `@phosphor-icons/core ${version}\n`);
