// Accessibility checks with axe-core (from npm), shared by every browser script: serious or
// critical violations fail the script at its end, with every page's findings listed. axe is
// evaluated through the DevTools protocol, which a page's Content-Security-Policy does not
// govern, so each page runs under its real policy.
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";

const axeSource = readFileSync(new URL("./node_modules/axe-core/axe.min.js", import.meta.url), "utf8");

/** One script's accessibility record: `check(page, name)` after each screen, `assertClean()` at the end. */
export function axeRecorder() {
  const failures = [];
  const checked = [];
  return {
    async check(page, name) {
      if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) await page.evaluate(axeSource);
      const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
      const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      for (const v of bad)
        failures.push(`${name}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).slice(0, 4).join(", ")}`);
      // A run that checked nothing would pass too: each screen must have passed some rules.
      assert.ok(result.passes.length > 10, `axe-core checked ${name}: ${result.passes.length} rules passed`);
      checked.push(`${name} (${result.passes.length} rules passed)`);
    },
    assertClean() {
      assert.deepEqual(failures, [], "no serious or critical accessibility violations");
      console.log(`axe-core: no serious or critical violations on ${checked.join(", ")}`);
    },
  };
}
