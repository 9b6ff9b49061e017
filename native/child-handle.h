// A created child process as JavaScript sees it: its pid, a way to signal it,
// and one callback when it exits. The exit is learned from a pidfd watched by
// libuv (readable when the child ends) and reaped with waitid(P_PIDFD), so it
// never blocks the loop, never polls, and never steals children reaped by
// Node's own child_process.
#pragma once

#include <napi.h>
#include <uv.h>

namespace weft {

class ChildHandle : public Napi::ObjectWrap<ChildHandle> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  // Wraps an already created child; takes ownership of pidfd.
  static Napi::Object New(Napi::Env env, pid_t pid, int pidfd,
                          Napi::Function on_exit);

  explicit ChildHandle(const Napi::CallbackInfo& info);
  ~ChildHandle() override;

 private:
  static void OnReadable(uv_poll_t* poll, int status, int events);
  static void OnClosed(uv_handle_t* handle);

  void Start(pid_t pid, int pidfd, Napi::Function on_exit);
  void Reap();
  Napi::Value Kill(const Napi::CallbackInfo& info);
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Unref(const Napi::CallbackInfo& info);
  Napi::Value GetPid(const Napi::CallbackInfo& info);
  Napi::Value GetExited(const Napi::CallbackInfo& info);

  pid_t pid_ = 0;
  int pidfd_ = -1;
  bool exited_ = false;
  uv_poll_t* poll_ = nullptr;  // freed in OnClosed
  Napi::FunctionReference on_exit_;
};

Napi::Value ReapStraysJs(const Napi::CallbackInfo& info);

// pidfd_open(2), or -errno.
int PidfdOpen(pid_t pid);
// pidfd_send_signal(2), or -errno.
int PidfdSendSignal(int pidfd, int sig);

}  // namespace weft
