// FdWatcher: readiness of any fd through libuv (uv_poll), for the kernel's
// event engine. The fd stays the caller's; close() only stops watching.
#pragma once

#include <napi.h>
#include <uv.h>

namespace weft {

class FdWatcher : public Napi::ObjectWrap<FdWatcher> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit FdWatcher(const Napi::CallbackInfo& info);

 private:
  static void OnPoll(uv_poll_t* poll, int status, int events);
  static void OnClosed(uv_handle_t* handle);
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Unref(const Napi::CallbackInfo& info);
  void DoClose();

  uv_poll_t* poll_ = nullptr;
  bool active_ = false;
  Napi::FunctionReference callback_;
};

}  // namespace weft
