#include "log-writer.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "errors.h"

namespace weft {

namespace {

using State = LogWriter::State;

// Whether writes of any size land whole (O_APPEND on a regular file). On a
// pipe or socket only writes up to PIPE_BUF are atomic, so a batch is cut at
// line ends below that: other processes write to the same log.
bool IsRegular(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

// How long one blocked write waits for the fd to take more before trying again.
constexpr int kPollMs = 1000;
// Bytes appended to one queue item (a burst becomes a few large writes).
constexpr size_t kBatchBytes = 1 << 20;
// A writer that wrote less than kBusy ago waits kLinger before the next
// write, so that a steady stream of lines (an access log under load: one
// line per short connection) becomes one write per kLinger instead of a
// thread wake-up and a write per line, which cost the event loop more than
// the line (futex wake-ups on a busy 2-core box). A lone line goes at once.
constexpr auto kBusy = std::chrono::milliseconds(5);
constexpr auto kLinger = std::chrono::milliseconds(1);

// Writes data whole: partial writes continue, EAGAIN (an O_NONBLOCK pipe
// shared with someone else) waits for POLLOUT, and on a pipe or socket each
// write is at most PIPE_BUF bytes cut after a newline, so that lines from
// several processes never interleave. Other errors drop the rest.
void WriteAll(State& s, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    size_t n = data.size() - off;
    if (!s.regular && n > PIPE_BUF) {
      size_t cut = data.rfind('\n', off + PIPE_BUF - 1);
      n = cut != std::string::npos && cut >= off ? cut - off + 1 : PIPE_BUF;
    }
    ssize_t w = write(s.fd, data.data() + off, n);
    if (w >= 0) {
      off += static_cast<size_t>(w);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      struct pollfd p = {s.fd, POLLOUT, 0};
      poll(&p, 1, kPollMs);
      continue;
    }
    std::lock_guard<std::mutex> lock(s.mutex);
    s.write_errors++;
    s.last_errno = errno;
    return;
  }
}

void Run(std::shared_ptr<State> state) {
  State& s = *state;
  std::unique_lock<std::mutex> lock(s.mutex);
  auto last_write = std::chrono::steady_clock::now() - kBusy;
  for (;;) {
    s.wake.wait(lock, [&s] { return !s.queue.empty() || s.closing; });
    if (s.queue.empty()) break;  // closing, and everything is written
    if (!s.closing && std::chrono::steady_clock::now() - last_write < kBusy) {
      lock.unlock();
      std::this_thread::sleep_for(kLinger);
      lock.lock();
    }
    State::Item item = std::move(s.queue.front());
    s.queue.pop_front();
    s.writing = true;
    lock.unlock();
    if (item.fd >= 0) {
      close(s.fd);
      s.fd = item.fd;
      s.regular = IsRegular(s.fd);
    } else {
      WriteAll(s, item.data);
      last_write = std::chrono::steady_clock::now();
    }
    lock.lock();
    s.queued_bytes -= item.data.size();
    s.writing = false;
    if (s.queue.empty()) s.idle.notify_all();
  }
  close(s.fd);
  s.fd = -1;
  s.finished = true;
  s.idle.notify_all();
}

bool WaitIdle(State& s, int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(s.mutex);
  return s.idle.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&s] {
    return (s.queue.empty() && !s.writing) || s.finished;
  });
}

// Stops taking lines; the thread writes what is queued, closes its fd and
// ends. Waits up to timeout_ms for that; a thread stuck on a log nobody
// reads goes on alone (and dies with the process).
void Stop(State& s, int64_t timeout_ms) {
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.closing = true;
    s.wake.notify_one();
  }
  if (timeout_ms <= 0) return;
  // Until the thread has ended: the queue written and the fd closed.
  std::unique_lock<std::mutex> lock(s.mutex);
  s.idle.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                  [&s] { return s.finished; });
}

int64_t TimeoutArg(const Napi::CallbackInfo& info, int64_t fallback) {
  return info.Length() > 0 && info[0].IsNumber()
             ? info[0].As<Napi::Number>().Int64Value()
             : fallback;
}

}  // namespace

void LogWriter::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor =
      DefineClass(env, "LogWriter",
                  {
                      InstanceMethod("write", &LogWriter::Write),
                      InstanceMethod("setFd", &LogWriter::SetFd),
                      InstanceMethod("flush", &LogWriter::Flush),
                      InstanceMethod("close", &LogWriter::Close),
                      InstanceMethod("stats", &LogWriter::Stats),
                  });
  exports.Set("LogWriter", ctor);
}

// new LogWriter(fd, own, limitBytes): own false means fd stays the caller's
// (the writer writes to a dup of it); true means the writer closes it.
LogWriter::LogWriter(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<LogWriter>(info),
      state_(std::make_shared<State>()),
      env_(info.Env()) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsBoolean() ||
      !info[2].IsNumber()) {
    throw ArgumentError(
        env, "new LogWriter(fd: number, own: boolean, limitBytes: number)");
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  bool own = info[1].As<Napi::Boolean>().Value();
  double limit = info[2].As<Napi::Number>().DoubleValue();
  if (limit < 1)
    throw ArgumentError(env, "LogWriter: limitBytes must be positive");
  if (!own) {
    fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0)
      throw SyscallError(env, "WEFT_ERR_FD", "fcntl", errno, "F_DUPFD_CLOEXEC");
  }
  state_->limit_bytes = static_cast<size_t>(limit);
  state_->fd = fd;
  state_->regular = IsRegular(fd);
  std::thread(Run, state_).detach();
  napi_add_env_cleanup_hook(env, Cleanup, this);
}

LogWriter::~LogWriter() {
  napi_remove_env_cleanup_hook(env_, Cleanup, this);
  // Collected: the thread finishes the queue on its own.
  Stop(*state_, 0);
}

// The environment goes away (a worker thread ends): write what is queued.
void LogWriter::Cleanup(void* arg) {
  Stop(*static_cast<LogWriter*>(arg)->state_, 1000);
}

// write(data: Buffer | string) -> boolean: false when the line was dropped
// because the queue holds limitBytes already (the log cannot keep up), or
// the writer is closed.
Napi::Value LogWriter::Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string data;
  if (info.Length() >= 1 && info[0].IsBuffer()) {
    auto buf = info[0].As<Napi::Buffer<char>>();
    data.assign(buf.Data(), buf.Length());
  } else if (info.Length() >= 1 && info[0].IsString()) {
    data = info[0].As<Napi::String>().Utf8Value();
  } else {
    throw ArgumentError(env, "LogWriter.write(data: Buffer | string)");
  }
  if (data.empty()) return Napi::Boolean::New(env, true);
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.closing) return Napi::Boolean::New(env, false);
  if (s.queued_bytes + data.size() > s.limit_bytes) {
    s.dropped_lines++;
    s.dropped_bytes += data.size();
    return Napi::Boolean::New(env, false);
  }
  s.queued_bytes += data.size();
  // Appending to the last run keeps the queue short under a burst.
  if (!s.queue.empty() && s.queue.back().fd < 0 &&
      s.queue.back().data.size() < kBatchBytes) {
    s.queue.back().data += data;
  } else {
    s.queue.push_back(State::Item{std::move(data), -1});
  }
  s.wake.notify_one();
  return Napi::Boolean::New(env, true);
}

// setFd(fd, own): later writes go to fd, once those queued before are
// written to the old one (which the writer then closes: it is its own).
Napi::Value LogWriter::SetFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsBoolean()) {
    throw ArgumentError(env, "LogWriter.setFd(fd: number, own: boolean)");
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (!info[1].As<Napi::Boolean>().Value()) {
    fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0)
      throw SyscallError(env, "WEFT_ERR_FD", "fcntl", errno, "F_DUPFD_CLOEXEC");
  }
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.closing) {
    close(fd);
    return env.Undefined();
  }
  s.queue.push_back(State::Item{std::string(), fd});
  s.wake.notify_one();
  return env.Undefined();
}

// flush(timeoutMs) -> boolean: blocks the caller until everything queued is
// written, or the time is up (a log nobody reads must not hang an exit).
Napi::Value LogWriter::Flush(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(),
                            WaitIdle(*state_, TimeoutArg(info, 5000)));
}

// close(timeoutMs): no more writes; the queue is written and the fd closed
// by the thread. Waits up to timeoutMs for that (0: not at all).
Napi::Value LogWriter::Close(const Napi::CallbackInfo& info) {
  Stop(*state_, TimeoutArg(info, 5000));
  return info.Env().Undefined();
}

Napi::Value LogWriter::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  Napi::Object out = Napi::Object::New(env);
  out.Set("queuedBytes",
          Napi::Number::New(env, static_cast<double>(s.queued_bytes)));
  out.Set("droppedLines",
          Napi::Number::New(env, static_cast<double>(s.dropped_lines)));
  out.Set("droppedBytes",
          Napi::Number::New(env, static_cast<double>(s.dropped_bytes)));
  out.Set("writeErrors",
          Napi::Number::New(env, static_cast<double>(s.write_errors)));
  out.Set("lastErrno", Napi::Number::New(env, s.last_errno));
  out.Set("finished", Napi::Boolean::New(env, s.finished));
  return out;
}

}  // namespace weft
