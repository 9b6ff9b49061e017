#include "watchdog.h"

#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "errors.h"

namespace weft {

namespace {

struct Config {
  const volatile double* table;
  size_t slots;
  unsigned interval_ms;
  double stall_ms;
  double offset_ms;
  int exit_code;
  std::string response;
};

bool started = false;
Napi::Reference<Napi::ArrayBuffer>* keep = nullptr;

double MonotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1000.0 +
         static_cast<double>(ts.tv_nsec) / 1e6;
}

// Layout (doubles): [0] heartbeat; slot i at 1 + 3i: deadline, fd, state
// (0 free, 1 waiting for its answer, 2 answer begun).
void Watch(Config c) {
  for (;;) {
    usleep(c.interval_ms * 1000);
    double now = MonotonicMs() - c.offset_ms;
    if (now - c.table[0] < c.stall_ms) continue;
    bool expired = false;
    for (size_t i = 0; i < c.slots; i++) {
      const volatile double* slot = c.table + 1 + 3 * i;
      double state = slot[2];
      if (state == 0 || slot[0] > now) continue;
      expired = true;
      if (state == 1) {
        int fd = static_cast<int>(slot[1]);
        ssize_t ignored = send(fd, c.response.data(), c.response.size(),
                               MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)ignored;
      }
    }
    if (expired) _exit(c.exit_code);
  }
}

}  // namespace

// startWatchdog(table: ArrayBuffer, slots, intervalMs, stallMs, offsetMs,
// exitCode, response: Buffer)
Napi::Value StartWatchdogJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage =
      "startWatchdog(table: ArrayBuffer, slots: number, intervalMs: number, "
      "stallMs: number, offsetMs: number, "
      "exitCode: number, response: Buffer)";
  if (info.Length() < 7 || !info[0].IsArrayBuffer() || !info[1].IsNumber() ||
      !info[2].IsNumber() || !info[3].IsNumber() || !info[4].IsNumber() ||
      !info[5].IsNumber() || !info[6].IsBuffer()) {
    throw ArgumentError(env, usage);
  }
  if (started)
    throw ArgumentError(
        env, "startWatchdog: a watchdog already runs in this process");
  Napi::ArrayBuffer table = info[0].As<Napi::ArrayBuffer>();
  size_t slots = info[1].As<Napi::Number>().Uint32Value();
  if (table.ByteLength() < (1 + 3 * slots) * sizeof(double))
    throw ArgumentError(env, "startWatchdog: the table is too small");
  Napi::Buffer<char> response = info[6].As<Napi::Buffer<char>>();
  Config c{static_cast<const volatile double*>(table.Data()),
           slots,
           info[2].As<Napi::Number>().Uint32Value(),
           info[3].As<Napi::Number>().DoubleValue(),
           info[4].As<Napi::Number>().DoubleValue(),
           info[5].As<Napi::Number>().Int32Value(),
           std::string(response.Data(), response.Length())};
  // The table must outlive the thread, which never ends: it is never released.
  keep = new Napi::Reference<Napi::ArrayBuffer>(Napi::Persistent(table));
  started = true;
  std::thread(Watch, c).detach();
  return env.Undefined();
}

}  // namespace weft
