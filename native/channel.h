// A port channel: one end of a SOCK_SEQPACKET socketpair, read and written
// through libuv so the loop never blocks. Each send is one message (a frame
// of at most kMaxFrame bytes) with up to kMaxFds fds attached (SCM_RIGHTS).
// A slow peer queues frames (send returns false above the high-water mark and
// "drain" follows); a closed peer is a "close" event, never an exception.
#pragma once

#include <napi.h>
#include <uv.h>

#include <deque>
#include <vector>

namespace weft {

class Channel : public Napi::ObjectWrap<Channel> {
 public:
  static constexpr size_t kMaxFrame = 65536;
  static constexpr size_t kMaxFds = 32;
  static constexpr size_t kHighWater = 1024 * 1024;

  static void Init(Napi::Env env, Napi::Object exports);
  explicit Channel(const Napi::CallbackInfo& info);
  ~Channel() override;

 private:
  struct Frame {
    std::vector<char> data;
    std::vector<int> fds;  // our own duplicates, closed once sent
  };

  static void OnPoll(uv_poll_t* poll, int status, int events);
  static void OnClosed(uv_handle_t* handle);

  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Unref(const Napi::CallbackInfo& info);
  Napi::Value GetFd(const Napi::CallbackInfo& info);
  Napi::Value GetQueued(const Napi::CallbackInfo& info);

  // 0 on success, -EAGAIN when the socket is full, another -errno otherwise.
  int SendFrame(const char* data, size_t len, const int* fds, size_t nfds);
  void ReadAll();
  void Flush();
  void UpdatePoll();
  void Shutdown(int err);

  int fd_ = -1;
  bool closed_ = false;
  bool need_drain_ = false;
  uv_poll_t* poll_ = nullptr;
  std::deque<Frame> queue_;
  size_t queued_bytes_ = 0;
  Napi::FunctionReference on_message_;
  Napi::FunctionReference on_close_;
  Napi::FunctionReference on_drain_;
};

}  // namespace weft
