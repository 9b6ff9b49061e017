#include "fd-watcher.h"

#include "callback.h"
#include "errors.h"

namespace weft {

void FdWatcher::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor =
      DefineClass(env, "FdWatcher",
                  {
                      InstanceMethod("start", &FdWatcher::Start),
                      InstanceMethod("stop", &FdWatcher::Stop),
                      InstanceMethod("close", &FdWatcher::Close),
                      InstanceMethod("ref", &FdWatcher::Ref),
                      InstanceMethod("unref", &FdWatcher::Unref),
                  });
  exports.Set("FdWatcher", ctor);
}

// new FdWatcher(fd, callback(events, errno)); events: 1 readable, 2 writable,
// 4 disconnect (peer hung up).
FdWatcher::FdWatcher(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<FdWatcher>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsFunction()) {
    throw ArgumentError(env, "new FdWatcher(fd: number, callback: function)");
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  callback_ = Napi::Persistent(info[1].As<Napi::Function>());
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  poll_ = new uv_poll_t;
  poll_->data = this;
  int rc = uv_poll_init(loop, poll_, fd);
  if (rc != 0) {
    delete poll_;
    poll_ = nullptr;
    throw SyscallError(env, "WEFT_ERR_FD", "epoll_ctl", -rc);
  }
}

void FdWatcher::OnPoll(uv_poll_t* poll, int status, int events) {
  FdWatcher* self = static_cast<FdWatcher*>(poll->data);
  Napi::Env env = self->Env();
  Napi::HandleScope scope(env);
  int mask = 0;
  if (events & UV_READABLE) mask |= 1;
  if (events & UV_WRITABLE) mask |= 2;
  if (events & UV_DISCONNECT) mask |= 4;
  try {
    CallFromLoop(env, self->callback_.Value(), self->Value(),
                 {Napi::Number::New(env, mask),
                  Napi::Number::New(env, status < 0 ? -status : 0)});
  } catch (const Napi::Error& e) {
    napi_fatal_exception(env, e.Value());
  }
}

Napi::Value FdWatcher::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (poll_ == nullptr) throw ArgumentError(env, "the watcher is closed");
  int mask = info.Length() > 0 && info[0].IsNumber()
                 ? info[0].As<Napi::Number>().Int32Value()
                 : 1;
  int events = 0;
  if (mask & 1) events |= UV_READABLE;
  if (mask & 2) events |= UV_WRITABLE;
  if (mask & 4) events |= UV_DISCONNECT;
  int rc = uv_poll_start(poll_, events, OnPoll);
  if (rc != 0) throw SyscallError(env, "WEFT_ERR_FD", "epoll_ctl", -rc);
  if (!active_) {
    active_ = true;
    Napi::ObjectWrap<FdWatcher>::Ref();  // alive while watching
  }
  return info.This();
}

Napi::Value FdWatcher::Stop(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_poll_stop(poll_);
  if (active_) {
    active_ = false;
    Napi::ObjectWrap<FdWatcher>::Unref();
  }
  return info.This();
}

void FdWatcher::OnClosed(uv_handle_t* handle) {
  delete reinterpret_cast<uv_poll_t*>(handle);
}

void FdWatcher::DoClose() {
  if (poll_ == nullptr) return;
  uv_poll_stop(poll_);
  uv_close(reinterpret_cast<uv_handle_t*>(poll_), OnClosed);
  poll_ = nullptr;
  if (active_) {
    active_ = false;
    Napi::ObjectWrap<FdWatcher>::Unref();
  }
}

Napi::Value FdWatcher::Close(const Napi::CallbackInfo& info) {
  DoClose();
  return info.Env().Undefined();
}

Napi::Value FdWatcher::Ref(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.This();
}

Napi::Value FdWatcher::Unref(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.This();
}

}  // namespace weft
