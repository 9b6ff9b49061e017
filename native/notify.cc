#include "notify.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "errors.h"

namespace weft {

// notifySocket(address, message): sends message as one datagram to
// address, a path or "@name" (the abstract namespace, as systemd writes it
// in $NOTIFY_SOCKET). Credentials travel with it (the kernel adds them for
// a receiver with SO_PASSCRED), which is how systemd knows the sender.
Napi::Value NotifySocketJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    throw ArgumentError(env, "notifySocket(address: string, message: string)");
  }
  std::string address = info[0].As<Napi::String>().Utf8Value();
  std::string message = info[1].As<Napi::String>().Utf8Value();
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  if (address.size() < 2 || address.size() >= sizeof(sa.sun_path) ||
      (address[0] != '/' && address[0] != '@')) {
    throw ArgumentError(env,
                        "notifySocket: the address must be an absolute path or "
                        "@name, shorter than 108 bytes");
  }
  memcpy(sa.sun_path, address.data(), address.size());
  // An abstract name is exactly its bytes after a leading NUL.
  if (address[0] == '@') sa.sun_path[0] = '\0';
  socklen_t len = static_cast<socklen_t>(
      offsetof(struct sockaddr_un, sun_path) + address.size());
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw SyscallError(env, "WEFT_ERR_NOTIFY", "socket", errno);
  ssize_t sent;
  do {
    sent = sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                  reinterpret_cast<struct sockaddr*>(&sa), len);
  } while (sent < 0 && errno == EINTR);
  int err = errno;
  close(fd);
  if (sent < 0)
    throw SyscallError(env, "WEFT_ERR_NOTIFY", "sendto", err, address);
  return env.Undefined();
}

}  // namespace weft
