// In direct mode the application process accepts connections itself, so the
// router never sees them; what /status shows for them (connections accepted,
// closed, busy; requests) is counted here and reported with the load. The
// counting costs one property per connection and a property test per
// request, nothing for routed connections.
import type { Socket } from 'node:net';

/** Marks a socket accepted on one of Weft's listening fds: its value is that listener's tag (its address). */
export const DIRECT = Symbol('weft.direct');

export type DirectSocket = Socket & { [DIRECT]?: string };
