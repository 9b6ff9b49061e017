#include "shared-memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "errors.h"

namespace weft {

namespace {

struct Mapping {
  void* address;
  size_t size;
};

Napi::ArrayBuffer Wrap(Napi::Env env, void* address, size_t size) {
  auto* mapping = new Mapping{address, size};
  // The mapping lives as long as the ArrayBuffer: unmapped when it is
  // collected.
  return Napi::ArrayBuffer::New(
      env, address, size,
      [](Napi::Env, void*, Mapping* m) {
        munmap(m->address, m->size);
        delete m;
      },
      mapping);
}

void* MapFd(Napi::Env env, int fd, size_t size) {
  void* address =
      mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (address == MAP_FAILED)
    throw SyscallError(env, "WEFT_ERR_FD", "mmap", errno);
  return address;
}

size_t SizeArgument(const Napi::CallbackInfo& info, size_t index,
                    const char* usage) {
  if (info.Length() <= index || !info[index].IsNumber())
    throw ArgumentError(info.Env(), usage);
  double size = info[index].As<Napi::Number>().DoubleValue();
  if (!(size >= 1 && size <= (1 << 30))) throw ArgumentError(info.Env(), usage);
  return static_cast<size_t>(size);
}

}  // namespace

// sharedMemory(size, name) -> { fd, buffer }: a new zeroed memfd
// (close-on-exec) and its mapping.
Napi::Value SharedMemoryJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "sharedMemory(size: 1..2^30, name: string)";
  size_t size = SizeArgument(info, 0, usage);
  if (info.Length() < 2 || !info[1].IsString()) throw ArgumentError(env, usage);
  std::string name = info[1].As<Napi::String>().Utf8Value();
  int fd = memfd_create(name.c_str(), MFD_CLOEXEC);
  if (fd < 0) throw SyscallError(env, "WEFT_ERR_FD", "memfd_create", errno);
  if (ftruncate(fd, static_cast<off_t>(size)) < 0) {
    int e = errno;
    close(fd);
    throw SyscallError(env, "WEFT_ERR_FD", "ftruncate", e);
  }
  void* address;
  try {
    address = MapFd(env, fd, size);
  } catch (...) {
    close(fd);
    throw;
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("fd", Napi::Number::New(env, fd));
  out.Set("buffer", Wrap(env, address, size));
  return out;
}

// mapShared(fd, size) -> ArrayBuffer: maps memory another process shared (the
// fd stays the caller's).
Napi::Value MapSharedJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "mapShared(fd: number, size: 1..2^30)";
  if (info.Length() < 1 || !info[0].IsNumber()) throw ArgumentError(env, usage);
  int fd = info[0].As<Napi::Number>().Int32Value();
  size_t size = SizeArgument(info, 1, usage);
  return Wrap(env, MapFd(env, fd, size), size);
}

}  // namespace weft
