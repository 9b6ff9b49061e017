// Methods of the kernel's own protocol (beyond the message types).
export {};

declare module './methods.js' {
  interface PortMethods {
    /** A process tells main why its start failed, just before it exits 1. */
    'kernel.start-failed': { params: { reason: string }; result: void };
  }
}
