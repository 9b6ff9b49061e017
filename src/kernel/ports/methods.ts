// The typed table of port methods. Each process type adds its own methods
// by augmenting this interface in its own folder:
//
//   declare module './methods.js' {
//     interface PortMethods {
//       'main.listen': { params: { address: string }; result: { port: number } };
//     }
//   }
//
// so a call with a misspelled method or wrong params does not compile.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface PortMethods {}

export type MethodName = keyof PortMethods & string;

export type ParamsOf<M extends MethodName> = PortMethods[M] extends { params: infer P } ? P : never;
export type ResultOf<M extends MethodName> = PortMethods[M] extends { result: infer R } ? R : never;

/** A handler's answer with fds attached. */
export class WithFds<T> {
  constructor(
    readonly value: T,
    readonly fds: number[],
  ) {}
}

export function withFds<T>(value: T, fds: number[]): WithFds<T> {
  return new WithFds(value, fds);
}

/** What the receiver of a call or notification sees besides the params. */
export interface CallContext {
  /** pid of the caller. */
  from: number;
  /** fds attached by the caller; the handler owns them. */
  fds: number[];
}

/** The error a failed remote call raises: the remote's message, code and detail. */
export interface RemoteErrorShape {
  message: string;
  code?: string;
  detail?: unknown;
}
