// A cap on how many weftd trees the whole ava run has alive at once.
//
// ava runs test files in parallel processes and the tests of a file
// concurrently: apps-pool alone used to start 18 trees (each 4-6 Node
// processes) in the same second, and on a busy 2-core box every one of them
// then missed its start-up wait. A slot is a directory made atomically under
// one directory per ava run (as ports.ts claims ports), holding the pid of
// the test process that owns it; a slot whose owner died is taken back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { sleep } from './machine.js';
import { isAlive } from './processes.js';
import { runDir } from './run-dirs.js';

/** WEFT_TEST_WEFTD_SLOTS, or two trees per core (at least 2). */
export function slotCount(): number {
  const n = Number(process.env.WEFT_TEST_WEFTD_SLOTS);
  if (Number.isInteger(n) && n > 0) return n;
  return Math.max(2, 2 * os.cpus().length);
}

/** Takes back a slot whose owner died without releasing it. */
function reclaim(slot: string): void {
  let owner: number;
  try {
    owner = Number(fs.readFileSync(path.join(slot, 'owner'), 'utf8'));
  } catch {
    // Being taken right now (made, owner not yet written), or already gone:
    // only a slot left half-made for long is stale.
    try {
      if (Date.now() - fs.statSync(slot).mtimeMs > 10000) fs.rmSync(slot, { recursive: true, force: true });
    } catch {
      // gone
    }
    return;
  }
  if (!isAlive(owner)) fs.rmSync(slot, { recursive: true, force: true });
}

function tryTake(slot: string): boolean {
  try {
    fs.mkdirSync(slot);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  fs.writeFileSync(path.join(slot, 'owner'), String(process.pid));
  return true;
}

/**
 * Waits for a free slot and returns its release function (idempotent).
 * No timeout of its own: a slot frees when a test ends, and ava's own
 * timeout catches a run where none ever does.
 */
export async function takeSlot(): Promise<() => void> {
  const root = runDir('weft-test-slots-');
  const slots = Array.from({ length: slotCount() }, (_, i) => path.join(root, `slot-${i}`));
  for (let round = 0; ; round++) {
    for (const slot of slots) {
      if (tryTake(slot)) {
        let released = false;
        return () => {
          if (released) return;
          released = true;
          fs.rmSync(slot, { recursive: true, force: true });
        };
      }
    }
    if (round % 20 === 0) slots.forEach(reclaim);
    // Jitter, so that waiters in several processes do not retry in step.
    await sleep(50 + Math.random() * 100);
  }
}
