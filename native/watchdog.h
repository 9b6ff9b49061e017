// A request watchdog for application processes (limits.timeout). A handler
// stuck in a loop blocks its own event loop, so nothing on that loop can
// notice: this thread does. JavaScript keeps a table in memory the thread
// reads (a heartbeat of the loop; per request its deadline, its client's fd
// and whether an answer has begun). When the loop has not beaten for a
// while and a request is past its deadline, the thread sends that client
// the 503 it was given at start (only if no answer had begun) and ends the
// process with a known exit code; its supervisor replaces it. A loop that
// runs handles its own deadlines with timers and never gets here.
#pragma once

#include <napi.h>

namespace weft {

Napi::Value StartWatchdogJs(const Napi::CallbackInfo& info);

}  // namespace weft
