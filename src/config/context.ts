// What validation needs to know beyond the document itself.
import type { AppTypeSchema } from './app-types.js';

export interface ValidationContext {
  /** The application types the discovered plugins provide. */
  appTypes: readonly AppTypeSchema[];
  /** Names of the stored certificate bundles (/certificates). */
  certificates: ReadonlySet<string>;
  /** Resolves a user name; without it, ID maps are not checked against users. */
  lookupUser?(name: string): { uid: number; gid: number } | null;
  /** Resolves a group name. */
  lookupGroup?(name: string): { gid: number } | null;
  /** The user applications without "user" run as (--user, "nobody" by default). */
  defaultUser?: string;
}
