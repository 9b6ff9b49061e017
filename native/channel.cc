#include "channel.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "callback.h"
#include "errors.h"

namespace weft {

namespace {

constexpr int kReadBatch = 64;  // messages per wake-up, so others get a turn

}  // namespace

void Channel::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(
      env, "Channel",
      {
          InstanceMethod("send", &Channel::Send),
          InstanceMethod("close", &Channel::Close),
          InstanceMethod("ref", &Channel::Ref),
          InstanceMethod("unref", &Channel::Unref),
          InstanceAccessor("fd", &Channel::GetFd, nullptr),
          InstanceAccessor("queued", &Channel::GetQueued, nullptr),
          StaticValue("maxFrame", Napi::Number::New(env, kMaxFrame)),
          StaticValue("maxFds", Napi::Number::New(env, kMaxFds)),
      });
  exports.Set("Channel", ctor);
}

// new Channel(fd, onMessage(data, fds, truncated), onClose(errno), onDrain())
Channel::Channel(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<Channel>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsFunction() ||
      !info[2].IsFunction() || !info[3].IsFunction()) {
    throw ArgumentError(env,
                        "new Channel(fd: number, onMessage: function, "
                        "onClose: function, onDrain: function)");
  }
  fd_ = info[0].As<Napi::Number>().Int32Value();
  int flags = fcntl(fd_, F_GETFL);
  if (flags < 0) throw SyscallError(env, "WEFT_ERR_CHANNEL", "fcntl", errno);
  fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
  on_message_ = Napi::Persistent(info[1].As<Napi::Function>());
  on_close_ = Napi::Persistent(info[2].As<Napi::Function>());
  on_drain_ = Napi::Persistent(info[3].As<Napi::Function>());

  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  poll_ = new uv_poll_t;
  poll_->data = this;
  int rc = uv_poll_init(loop, poll_, fd_);
  if (rc != 0) {
    delete poll_;
    poll_ = nullptr;
    throw SyscallError(env, "WEFT_ERR_CHANNEL", "epoll_ctl", -rc);
  }
  UpdatePoll();
  // The loop holds this object until close.
  Napi::ObjectWrap<Channel>::Ref();
}

Channel::~Channel() {
  for (Frame& f : queue_) {
    for (int fd : f.fds) close(fd);
  }
}

void Channel::UpdatePoll() {
  if (poll_ == nullptr) return;
  int events = UV_READABLE | UV_DISCONNECT;
  if (!queue_.empty()) events |= UV_WRITABLE;
  uv_poll_start(poll_, events, OnPoll);
}

void Channel::OnPoll(uv_poll_t* poll, int status, int events) {
  Channel* self = static_cast<Channel*>(poll->data);
  Napi::Env env = self->Env();
  Napi::HandleScope scope(env);
  // No C++ exception may unwind into libuv: a JavaScript error becomes the
  // process's uncaught exception, as for any event.
  try {
    if (status < 0) {
      self->Shutdown(-status);
      return;
    }
    if (events & UV_WRITABLE) self->Flush();
    if (!self->closed_ && (events & (UV_READABLE | UV_DISCONNECT))) {
      self->ReadAll();
    }
  } catch (const Napi::Error& e) {
    napi_fatal_exception(env, e.Value());
  }
}

// One receive buffer per thread, not per channel: a channel's wrapper can
// outlive its close until V8's next major GC, which a small JS heap makes
// rare, and 64 KiB per closed channel then looked like a leak in main
// (+40 KiB of malloc heap per application change). Each frame is copied out
// before JavaScript runs, so channels never share a frame.
static char* ReceiveBuffer() {
  thread_local std::vector<char> buffer(Channel::kMaxFrame);
  return buffer.data();
}

void Channel::ReadAll() {
  Napi::Env env = Env();
  char* scratch = ReceiveBuffer();
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  for (int i = 0; i < kReadBatch && !closed_; i++) {
    struct iovec iov = {scratch, kMaxFrame};
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n = recvmsg(fd_, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      Shutdown(errno);
      return;
    }
    if (n == 0) {  // frames are never empty: this is the peer closing
      Shutdown(0);
      return;
    }
    Napi::Array fds = Napi::Array::New(env);
    uint32_t count = 0;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
         c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      int* data = reinterpret_cast<int*>(CMSG_DATA(c));
      for (size_t k = 0; k < nfds; k++) {
        fds.Set(count++, Napi::Number::New(env, data[k]));
      }
    }
    // MSG_CTRUNC: the kernel dropped fds (e.g. we are at our fd limit).
    bool truncated = (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) != 0;
    Napi::Buffer<char> buf = Napi::Buffer<char>::Copy(env, scratch, n);
    CallFromLoop(env, on_message_.Value(), Value(),
                 {buf, fds, Napi::Boolean::New(env, truncated)});
  }
}

int Channel::SendFrame(const char* data, size_t len, const int* fds,
                       size_t nfds) {
  struct iovec iov = {const_cast<char*>(data), len};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  if (nfds > 0) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
  }
  for (;;) {
    ssize_t n = sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) return 0;
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return -EAGAIN;
    return -errno;
  }
}

void Channel::Flush() {
  while (!queue_.empty()) {
    Frame& f = queue_.front();
    int rc =
        SendFrame(f.data.data(), f.data.size(), f.fds.data(), f.fds.size());
    if (rc == -EAGAIN) break;
    for (int fd : f.fds) close(fd);
    queued_bytes_ -= f.data.size();
    queue_.pop_front();
    // Other errors mean the peer is gone; reading will report the close.
  }
  UpdatePoll();
  if (queue_.empty() && need_drain_ && !closed_) {
    need_drain_ = false;
    CallFromLoop(Env(), on_drain_.Value(), Value(), {});
  }
}

// send(data: Buffer, fds?: number[]) -> boolean (false: queue is full or
// the channel is closed; wait for "drain")
Napi::Value Channel::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray()) {
    throw ArgumentError(env, "send(data: Uint8Array, fds?: number[])");
  }
  Napi::Uint8Array data = info[0].As<Napi::Uint8Array>();
  size_t len = data.ByteLength();
  if (len == 0 || len > kMaxFrame) {
    throw ArgumentError(
        env, "a frame must hold 1 to " + std::to_string(kMaxFrame) + " bytes");
  }
  std::vector<int> fds;
  if (info.Length() > 1 && info[1].IsArray()) {
    Napi::Array a = info[1].As<Napi::Array>();
    if (a.Length() > kMaxFds) {
      throw ArgumentError(
          env, "at most " + std::to_string(kMaxFds) + " fds per frame");
    }
    for (uint32_t i = 0; i < a.Length(); i++) {
      fds.push_back(a.Get(i).As<Napi::Number>().Int32Value());
    }
  }
  if (closed_) return Napi::Boolean::New(env, false);
  const char* bytes = reinterpret_cast<const char*>(data.Data());
  if (queue_.empty()) {
    int rc = SendFrame(bytes, len, fds.data(), fds.size());
    if (rc == 0) return Napi::Boolean::New(env, true);
    if (rc == -EBADF) {
      throw SyscallError(env, "WEFT_ERR_CHANNEL", "sendmsg", EBADF,
                         "an fd to pass is not open");
    }
    if (rc != -EAGAIN) return Napi::Boolean::New(env, false);
  }
  // The caller may close its fds once send returns: queue duplicates.
  Frame frame;
  frame.data.assign(bytes, bytes + len);
  for (int fd : fds) {
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (dup < 0) {
      for (int d : frame.fds) close(d);
      throw SyscallError(env, "WEFT_ERR_CHANNEL", "fcntl", errno,
                         "an fd to pass is not open");
    }
    frame.fds.push_back(dup);
  }
  queue_.push_back(std::move(frame));
  queued_bytes_ += len;
  UpdatePoll();
  if (queued_bytes_ >= kHighWater) {
    need_drain_ = true;
    return Napi::Boolean::New(env, false);
  }
  return Napi::Boolean::New(env, true);
}

void Channel::OnClosed(uv_handle_t* handle) {
  delete reinterpret_cast<uv_poll_t*>(handle);
}

void Channel::Shutdown(int err) {
  if (closed_) return;
  closed_ = true;
  if (poll_ != nullptr) {
    uv_poll_stop(poll_);
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), OnClosed);
    poll_ = nullptr;
  }
  close(fd_);
  for (Frame& f : queue_) {
    for (int fd : f.fds) close(fd);
  }
  queue_.clear();
  queued_bytes_ = 0;
  Napi::Env env = Env();
  Napi::Function cb = on_close_.Value();
  CallFromLoop(env, cb, Value(), {Napi::Number::New(env, err)});
  on_message_.Reset();
  on_close_.Reset();
  on_drain_.Reset();
  Napi::ObjectWrap<Channel>::Unref();
}

Napi::Value Channel::Close(const Napi::CallbackInfo& info) {
  Shutdown(0);
  return info.Env().Undefined();
}

Napi::Value Channel::Ref(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.This();
}

Napi::Value Channel::Unref(const Napi::CallbackInfo& info) {
  if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.This();
}

Napi::Value Channel::GetFd(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), closed_ ? -1 : fd_);
}

Napi::Value Channel::GetQueued(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(queued_bytes_));
}

}  // namespace weft
