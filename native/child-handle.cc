#include "child-handle.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "callback.h"
#include "errors.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace weft {

int PidfdOpen(pid_t pid) {
  long fd = syscall(SYS_pidfd_open, pid, 0);
  return fd < 0 ? -errno : static_cast<int>(fd);
}

int PidfdSendSignal(int pidfd, int sig) {
  long rc = syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0);
  return rc < 0 ? -errno : 0;
}

void ChildHandle::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(
      env, "ChildHandle",
      {
          InstanceMethod("kill", &ChildHandle::Kill),
          InstanceMethod("ref", &ChildHandle::Ref),
          InstanceMethod("unref", &ChildHandle::Unref),
          InstanceAccessor("pid", &ChildHandle::GetPid, nullptr),
          InstanceAccessor("exited", &ChildHandle::GetExited, nullptr),
      });
  // Per environment, not a static: a worker thread may load the addon too
  // (code caches' digest), and its environment's constructor dies with it.
  env.SetInstanceData<Napi::FunctionReference>(
      new Napi::FunctionReference(Napi::Persistent(ctor)));
  exports.Set("ChildHandle", ctor);
}

Napi::Object ChildHandle::New(Napi::Env env, pid_t pid, int pidfd,
                              Napi::Function on_exit) {
  Napi::Object obj = env.GetInstanceData<Napi::FunctionReference>()->New({});
  ChildHandle* self = Napi::ObjectWrap<ChildHandle>::Unwrap(obj);
  self->Start(pid, pidfd, on_exit);
  return obj;
}

ChildHandle::ChildHandle(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<ChildHandle>(info) {}

ChildHandle::~ChildHandle() {
  // Only reached after exit (the object holds a reference to itself until
  // then), so the poll handle is already closed.
  if (pidfd_ >= 0) close(pidfd_);
}

void ChildHandle::Start(pid_t pid, int pidfd, Napi::Function on_exit) {
  pid_ = pid;
  pidfd_ = pidfd;
  on_exit_ = Napi::Persistent(on_exit);
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(Env(), &loop);
  poll_ = new uv_poll_t;
  poll_->data = this;
  uv_poll_init(loop, poll_, pidfd_);
  uv_poll_start(poll_, UV_READABLE, OnReadable);
  // Stay alive, whatever JavaScript drops, until the exit is delivered.
  Napi::ObjectWrap<ChildHandle>::Ref();
}

void ChildHandle::OnReadable(uv_poll_t* poll, int status, int events) {
  ChildHandle* self = static_cast<ChildHandle*>(poll->data);
  Napi::Env env = self->Env();
  try {
    self->Reap();
  } catch (const Napi::Error& e) {
    napi_fatal_exception(env, e.Value());
  }
}

void ChildHandle::OnClosed(uv_handle_t* handle) {
  delete reinterpret_cast<uv_poll_t*>(handle);
}

void ChildHandle::Reap() {
  siginfo_t info = {};
  int rc;
  do {
    rc = waitid(static_cast<idtype_t>(P_PIDFD), pidfd_, &info,
                WEXITED | WNOHANG);
  } while (rc < 0 && errno == EINTR);
  if (rc == 0 && info.si_pid == 0) return;  // spurious wake-up: not yet

  uv_poll_stop(poll_);
  uv_close(reinterpret_cast<uv_handle_t*>(poll_), OnClosed);
  poll_ = nullptr;
  close(pidfd_);
  pidfd_ = -1;
  exited_ = true;

  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  Napi::Value code = env.Null();
  Napi::Value signal = env.Null();
  if (rc < 0) {
    // ECHILD: someone else reaped it (waitpid(-1) elsewhere in the process).
    code = Napi::Number::New(env, -1);
  } else if (info.si_code == CLD_EXITED) {
    code = Napi::Number::New(env, info.si_status);
  } else {
    signal = Napi::Number::New(env, info.si_status);
  }
  Napi::Function cb = on_exit_.Value();
  on_exit_.Reset();
  Napi::ObjectWrap<ChildHandle>::Unref();
  CallFromLoop(env, cb, Value(), {code, signal});
}

Napi::Value ChildHandle::Kill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw ArgumentError(env, "kill(signal: number)");
  }
  int sig = info[0].As<Napi::Number>().Int32Value();
  if (exited_ || pidfd_ < 0) return Napi::Boolean::New(env, false);
  int rc = PidfdSendSignal(pidfd_, sig);
  if (rc == -ESRCH) return Napi::Boolean::New(env, false);
  if (rc < 0)
    throw SyscallError(env, "WEFT_ERR_KILL", "pidfd_send_signal", -rc);
  return Napi::Boolean::New(env, true);
}

Napi::Value ChildHandle::Ref(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.This();
}

Napi::Value ChildHandle::Unref(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.This();
}

Napi::Value ChildHandle::GetPid(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), pid_);
}

Napi::Value ChildHandle::GetExited(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), exited_);
}

// reapStrays(known: number[]) -> { reaped: number[], pending: boolean }
// For a process that is pid 1 of a pid namespace: orphans of the namespace
// become its children, and nothing else would reap them. Reaps exited
// children that are not in `known` (the ones with ChildHandles, reaped by
// their own watchers); stops at a known one ("pending": call again later).
Napi::Value ReapStraysJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray())
    throw ArgumentError(env, "reapStrays(known: number[])");
  Napi::Array known = info[0].As<Napi::Array>();
  auto isKnown = [&](pid_t pid) {
    for (uint32_t i = 0; i < known.Length(); i++) {
      if (known.Get(i).As<Napi::Number>().Int32Value() == pid) return true;
    }
    return false;
  };
  Napi::Array reaped = Napi::Array::New(env);
  bool pending = false;
  for (uint32_t n = 0; n < 1024; n++) {
    siginfo_t si = {};
    if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
        si.si_pid == 0)
      break;
    if (isKnown(si.si_pid)) {
      pending = true;
      break;
    }
    int status;
    waitpid(si.si_pid, &status, WNOHANG);
    reaped.Set(reaped.Length(), Napi::Number::New(env, si.si_pid));
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("reaped", reaped);
  out.Set("pending", Napi::Boolean::New(env, pending));
  return out;
}

}  // namespace weft
