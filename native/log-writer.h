// LogWriter: appends bytes to an fd from a thread of its own, so that a
// slow log (a pipe nobody drains fast enough, journald under pressure, a
// disk stalled by writeback) never blocks the event loop. One thread per
// writer writes the queue in order; flush() waits for it (bounded), which is
// how nothing queued is lost when the process exits.
#pragma once

#include <napi.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

namespace weft {

class LogWriter : public Napi::ObjectWrap<LogWriter> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit LogWriter(const Napi::CallbackInfo& info);
  ~LogWriter() override;

  // What the thread and the JavaScript side share. The thread holds its own
  // reference: a writer closed without waiting (or collected) finishes its
  // queue and then frees this.
  struct State {
    // A run of bytes for the current fd, or (fd >= 0) a switch to another
    // fd once everything queued before it is written.
    struct Item {
      std::string data;
      int fd = -1;
    };
    std::mutex mutex;
    std::condition_variable wake;  // the thread: work, or stop
    std::condition_variable idle;  // flush(): queue empty and nothing in flight
    std::deque<Item> queue;
    size_t queued_bytes = 0;
    size_t limit_bytes = 0;
    bool writing = false;
    bool closing =
        false;  // no more writes; the thread ends once the queue is empty
    bool finished = false;  // the thread has ended
    int fd = -1;            // the thread's alone
    bool regular = false;
    uint64_t dropped_lines = 0;
    uint64_t dropped_bytes = 0;
    uint64_t write_errors = 0;
    int last_errno = 0;
  };

 private:
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value SetFd(const Napi::CallbackInfo& info);
  Napi::Value Flush(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);

  static void Cleanup(void* arg);

  std::shared_ptr<State> state_;
  Napi::Env env_;
};

}  // namespace weft
