// User and group names to ids (the seed's nxt_process_creds_set).
import { ErrorCodes, fromNative, WeftError } from '../errors.js';
import type { Credentials } from './create-process.js';
import { native } from './load.js';
import type { NativeGroup, NativeUser } from './native.js';

export function lookupUser(nameOrUid: string | number): NativeUser | null {
  try {
    return native.getUser(nameOrUid);
  } catch (e) {
    throw fromNative(ErrorCodes.CREDENTIALS, e, `looking up user "${nameOrUid}"`);
  }
}

export function lookupGroup(nameOrGid: string | number): NativeGroup | null {
  try {
    return native.getGroup(nameOrGid);
  } catch (e) {
    throw fromNative(ErrorCodes.CREDENTIALS, e, `looking up group "${nameOrGid}"`);
  }
}

export interface ResolvedCredentials extends Credentials {
  user: string;
  group: string;
}

/**
 * uid, gid and supplementary groups for a user (and optional group): the
 * group defaults to the user's primary group; the supplementary groups are
 * the user's groups from the group database, as initgroups would set them.
 */
export function resolveCredentials(user: string, group?: string): ResolvedCredentials {
  const pw = lookupUser(user);
  if (!pw) throw new WeftError(ErrorCodes.UNKNOWN_USER, `unknown user "${user}"`);
  let gid = pw.gid;
  let groupName: string;
  if (group !== undefined) {
    const gr = lookupGroup(group);
    if (!gr) throw new WeftError(ErrorCodes.UNKNOWN_GROUP, `unknown group "${group}"`);
    gid = gr.gid;
    groupName = gr.name;
  } else {
    groupName = lookupGroup(gid)?.name ?? String(gid);
  }
  let groups: number[];
  try {
    groups = native.getGroupList(pw.name, gid);
  } catch (e) {
    throw fromNative(ErrorCodes.CREDENTIALS, e, `listing the groups of "${user}"`);
  }
  return { user: pw.name, group: groupName, uid: pw.uid, gid, groups: [...new Set(groups)] };
}
