// The reliability report: each suite (chaos, soak, fuzz) writes its section
// into one JSON file named by WEFT_RELIABILITY_REPORT, for the README's
// tables. The files run in parallel processes, so a section is merged under
// a lock (a directory made atomically) rather than the file rewritten whole.
import fs from 'node:fs';

import { sleep } from './machine.js';

export const REPORT_PATH = process.env.WEFT_RELIABILITY_REPORT;

/** Merges `{[section]: data}` into the report file; does nothing without WEFT_RELIABILITY_REPORT. */
export async function report(section: string, data: unknown): Promise<void> {
  if (!REPORT_PATH) return;
  const lock = `${REPORT_PATH}.lock`;
  for (let i = 0; ; i++) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A writer holds it for a few ms; one that died long ago left it behind.
      if (i > 200) fs.rmSync(lock, { recursive: true, force: true });
      await sleep(25);
    }
  }
  try {
    let whole: Record<string, unknown> = {};
    try {
      whole = JSON.parse(fs.readFileSync(REPORT_PATH, 'utf8')) as Record<string, unknown>;
    } catch {
      // first section, or an unreadable file: start afresh
    }
    whole[section] = data;
    const tmp = `${REPORT_PATH}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(whole, null, 2)}\n`);
    fs.renameSync(tmp, REPORT_PATH);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
