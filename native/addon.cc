// The weft native module. See src/native/ for its typed TypeScript face.
#include <napi.h>

#include "channel.h"
#include "child-handle.h"
#include "credentials.h"
#include "digest.h"
#include "execute.h"
#include "fd-watcher.h"
#include "listen.h"
#include "log-writer.h"
#include "notify.h"
#include "openat2.h"
#include "process.h"
#include "shared-memory.h"
#include "spawn.h"
#include "watchdog.h"

namespace weft {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ChildHandle::Init(env, exports);
  Channel::Init(env, exports);
  FdWatcher::Init(env, exports);
  LogWriter::Init(env, exports);
  exports.Set("createProcess", Napi::Function::New(env, CreateProcessJs));
  exports.Set("execute", Napi::Function::New(env, ExecuteJs));
  exports.Set("reapStrays", Napi::Function::New(env, ReapStraysJs));
  exports.Set("listenSocket", Napi::Function::New(env, ListenSocketJs));
  exports.Set("socketNames", Napi::Function::New(env, SocketNamesJs));
  exports.Set("getUser", Napi::Function::New(env, GetUserJs));
  exports.Set("getGroup", Napi::Function::New(env, GetGroupJs));
  exports.Set("getGroupList", Napi::Function::New(env, GetGroupListJs));
  exports.Set("setProcessTitle", Napi::Function::New(env, SetProcessTitleJs));
  exports.Set("socketpair", Napi::Function::New(env, SocketPairJs));
  exports.Set("dup2", Napi::Function::New(env, Dup2Js));
  exports.Set("dup", Napi::Function::New(env, DupJs));
  exports.Set("setCloexec", Napi::Function::New(env, SetCloexecJs));
  exports.Set("gettid", Napi::Function::New(env, GettidJs));
  exports.Set("trimMemory", Napi::Function::New(env, TrimMemoryJs));
  exports.Set("setDumpable", Napi::Function::New(env, SetDumpableJs));
  exports.Set("notifySocket", Napi::Function::New(env, NotifySocketJs));
  exports.Set("openat2", Napi::Function::New(env, Openat2Js));
  exports.Set("openat2Constants", Openat2Constants(env));
  exports.Set("sharedMemory", Napi::Function::New(env, SharedMemoryJs));
  exports.Set("mapShared", Napi::Function::New(env, MapSharedJs));
  exports.Set("startWatchdog", Napi::Function::New(env, StartWatchdogJs));
  exports.Set("digest", Napi::Function::New(env, DigestJs));
  return exports;
}

}  // namespace weft

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return weft::Init(env, exports);
}

NODE_API_MODULE(NODE_GYP_MODULE_NAME, InitModule)
