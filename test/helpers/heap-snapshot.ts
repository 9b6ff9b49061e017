// The JavaScript a weftd process retains, from a heap snapshot. Node writes
// one on a signal when it runs with --heapsnapshot-signal (main passes its
// own Node flags to every process it starts), and a snapshot begins with a
// full GC: two of them differ by what the process kept, not by where V8's
// heap is between two collections, which is what RSS mostly shows (see
// reliability-soak.test.ts).
import fs from 'node:fs';
import path from 'node:path';

import type { ExecutionContext } from 'ava';

import { scaled, sleep } from './machine.js';
import { tempDir } from './tmp.js';

const SIGNAL = 'SIGUSR2';

/** Node flags for startWeftd's nodeArgs: a snapshot into `dir` on SIGUSR2. */
export function snapshotFlags(dir: string): string[] {
  return [`--heapsnapshot-signal=${SIGNAL}`, `--diagnostic-dir=${dir}`];
}

/** A directory every process of the tree may write into (the router and controller run as nobody); removed after the test. */
export function snapshotDir(t: ExecutionContext): string {
  const dir = tempDir(t, 'weft-heap-');
  fs.chmodSync(dir, 0o1777);
  return dir;
}

export interface RetainedHeap {
  /** Self sizes of every node, but compiled code. */
  bytes: number;
  /**
   * Bytecode and machine code: V8 compiles it as functions warm up and
   * flushes what went unused, so it swings by hundreds of KB between two
   * snapshots of a process that keeps nothing (measured in the soak).
   */
  codeBytes: number;
  nodes: number;
}

interface HeapSnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
}

/** Sums a snapshot's nodes by whether they are code. */
export function retainedHeap(snapshot: HeapSnapshotJson): RetainedHeap {
  const { node_fields: fields, node_types: types } = snapshot.snapshot.meta;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const sizeAt = fields.indexOf('self_size');
  const code = types[0].indexOf('code');
  const out: RetainedHeap = { bytes: 0, codeBytes: 0, nodes: 0 };
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const size = snapshot.nodes[i + sizeAt];
    if (snapshot.nodes[i + typeAt] === code) out.codeBytes += size;
    else out.bytes += size;
    out.nodes++;
  }
  return out;
}

/**
 * Has `pid` write a snapshot into `dir` (started with snapshotFlags(dir)),
 * waits for the whole file, and returns what it retains. The file is
 * removed (several MB each).
 */
export async function snapshotOf(pid: number, dir: string, timeoutMs = 60000): Promise<RetainedHeap> {
  // Heap.<date>.<time>.<pid>.<thread>.<sequence>.heapsnapshot
  const mine = (f: string): boolean => f.endsWith('.heapsnapshot') && f.split('.')[3] === String(pid);
  const before = new Set(fs.readdirSync(dir).filter(mine));
  process.kill(pid, SIGNAL);
  const limit = scaled(timeoutMs);
  const deadline = Date.now() + limit;
  for (;;) {
    const file = fs.readdirSync(dir).find((f) => mine(f) && !before.has(f));
    if (file) {
      // Node writes it as it goes: only a complete file parses.
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      let parsed: HeapSnapshotJson | undefined;
      try {
        parsed = text.trimEnd().endsWith('}') ? (JSON.parse(text) as HeapSnapshotJson) : undefined;
      } catch {
        // still being written
      }
      if (parsed) {
        fs.rmSync(path.join(dir, file), { force: true });
        return retainedHeap(parsed);
      }
    }
    if (Date.now() > deadline) throw new Error(`process ${pid} wrote no complete heap snapshot into ${dir} within ${limit} ms`);
    await sleep(100);
  }
}
