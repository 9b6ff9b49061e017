// pid 1 of a pid namespace (a prototype with isolation.namespaces.pid)
// inherits every orphan of its namespace; they must be reaped or they stay
// zombies. Children it created itself are reaped by their own watchers.
import { native } from './load.js';

export function reapStrays(known: Iterable<number>): { reaped: number[]; pending: boolean } {
  return native.reapStrays([...known]);
}
