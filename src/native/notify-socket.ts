// One datagram to a unix socket by path or "@abstract" name: the wire format
// of sd_notify(3) (see native/notify.cc for why not dgram or systemd-notify).
import { ErrorCodes, fromNative, WeftError } from '../errors.js';
import { native } from './load.js';

export function notifySocket(address: string, message: string): void {
  if (!/^[/@]./.test(address) || Buffer.byteLength(address) >= 108) {
    throw new WeftError(ErrorCodes.NOTIFY, `"${address}" is not a unix socket path or @abstract name (under 108 bytes)`);
  }
  try {
    native.notifySocket(address, message);
  } catch (e) {
    throw fromNative(ErrorCodes.NOTIFY, e, `cannot notify ${address}`);
  }
}
