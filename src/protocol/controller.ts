// The controller's methods, as other processes call them.
import type { ModuleInfo } from './discovery.js';

declare module '../kernel/ports/methods.js' {
  interface PortMethods {
    /**
     * Discovery found other application modules than main assumed at the
     * start (and main checked the configuration against them): changes are
     * validated against these from now on, and /status shows them.
     */
    'controller.modules': { params: { modules: ModuleInfo[] }; result: void };
  }
}
