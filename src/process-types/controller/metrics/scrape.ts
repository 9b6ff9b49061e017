// GET /metrics: every source's snapshot merged into one exposition. Today's
// sources are the controller's own registry, /status and /proc; a router
// worker or application process that keeps its own registry is one more
// source (a port call answering registry.snapshot()), added to the list
// the controller passes here.
import { CONTENT_TYPES, mergeSnapshots, negotiateFormat, renderExposition } from '../../../metrics/index.js';
import type { MetricsSnapshot } from '../../../metrics/index.js';

export type MetricsSource = () => MetricsSnapshot | Promise<MetricsSnapshot>;

export async function scrape(
  sources: readonly MetricsSource[],
  accept: string | undefined,
): Promise<{ contentType: string; text: string }> {
  const snapshots = await Promise.all(sources.map((source) => source()));
  const format = negotiateFormat(accept);
  return { contentType: CONTENT_TYPES[format], text: renderExposition(mergeSnapshots(snapshots), format) };
}
