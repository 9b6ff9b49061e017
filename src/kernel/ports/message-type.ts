// The closed set of message types that cross ports. Everything a plugin
// needs beyond these goes through RPC_REQUEST / NOTIFY with a method name
// from the typed PortMethods table (methods.ts).
export const MessageType = {
  /** main -> new process: its real pid (a pid namespace hides it). */
  BOOT: 1,
  /** process -> main: setup done, credentials applied, serving. */
  READY: 2,
  /** process -> main: setup done; waits for main's privileged step (answered on the same stream). */
  CREATED: 3,
  /** main -> process: a channel to a peer; the fd is attached. */
  NEW_PORT: 4,
  /** main -> process: a peer is gone. */
  REMOVE_PID: 5,
  /** main -> process: stop gracefully. */
  QUIT: 6,
  /** A method call; answered with RPC_READY or RPC_ERROR on its stream. */
  RPC_REQUEST: 7,
  RPC_READY: 8,
  RPC_ERROR: 9,
  /** A one-way method call. */
  NOTIFY: 10,
  /** main -> process: the log file was reopened; the new fd is attached. */
  CHANGE_FILE: 11,
} as const;

export type MessageTypeName = keyof typeof MessageType;
export type MessageTypeId = (typeof MessageType)[MessageTypeName];

const NAMES = new Map<number, MessageTypeName>(Object.entries(MessageType).map(([name, id]) => [id, name as MessageTypeName]));

export function messageTypeName(id: number): string {
  return NAMES.get(id) ?? `unknown(${id})`;
}

export function isMessageType(id: number): id is MessageTypeId {
  return NAMES.has(id);
}
