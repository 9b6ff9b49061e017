// What a new process must do between clone and exec, prepared by the parent
// before clone so that the child only reads memory and makes system calls.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace weft {

// Stages of process creation. The numbers cross the error pipe; their names
// (the table in spawn.cc) reach JavaScript as `error.stage`.
enum Stage : int32_t {
  kStageNone = 0,
  kStagePipe,
  kStageStack,
  kStageClone,
  kStageUidMap,
  kStageSetgroupsDeny,
  kStageGidMap,
  kStageCgroup,
  kStageRelease,
  kStageWaitParent,
  kStageSignals,
  kStageSetsid,
  kStageUnshareCgroup,
  kStageHostname,
  kStageMountSlave,
  kStageMountRootfs,
  kStageRootfsChdir,
  kStageMkdir,
  kStageMount,
  kStagePivotRoot,
  kStageChroot,
  kStageChdir,
  kStageRlimit,
  kStageSetgroups,
  kStageSetgid,
  kStageSetuid,
  kStageNoNewPrivs,
  kStagePdeathsig,
  kStageParentDied,
  kStageFds,
  kStageExec,
  kStageTimeout,
};

// Written by the child to the close-on-exec error pipe when a stage fails.
struct ChildFailure {
  int32_t stage;
  int32_t err;    // errno
  int32_t index;  // which mount/rlimit, or -1
};

struct MountStep {
  const char* source;  // may be null
  const char* target;  // absolute, already joined with the rootfs
  const char* fstype;  // null for bind mounts
  unsigned long flags;
  const char* data;  // may be null
  bool readonly;
  bool bind;
  bool file;     // bind target is a file, not a directory
  bool symlink;  // not a mount: make `target` a symlink to `source`
};

struct RlimitStep {
  int resource;
  uint64_t soft;
  uint64_t hard;
};

struct SpawnPlan {
  // Parent-side settings.
  unsigned long clone_flags = 0;  // CLONE_NEW* only; CLONE_NEWCGROUP excluded
  bool new_cgroup_ns = false;     // unshared by the child after release
  std::string uid_map;
  std::string gid_map;
  bool setgroups_deny = true;
  std::vector<std::string>
      cgroup_procs;  // cgroup.procs files to join (v2, or v1 hierarchies)
  int timeout_ms = 30000;

  // Child-side settings; the pointers below point into `storage_`.
  bool wait_for_parent = false;
  int sync_fd = -1;  // read end: parent writes one byte to release the child
  int err_fd = -1;   // write end of the error pipe (close-on-exec)
  bool setsid = false;
  int umask = -1;
  const char* hostname = nullptr;
  size_t hostname_len = 0;
  const char* rootfs = nullptr;
  bool pivot = false;
  bool mount_ns = false;
  std::vector<MountStep> mounts;
  const char* cwd = nullptr;
  std::vector<RlimitStep> rlimits;
  bool set_groups = false;
  bool user_ns = false;
  std::vector<gid_t> groups;
  bool set_gid = false;
  gid_t gid = 0;
  bool set_uid = false;
  uid_t uid = 0;
  bool no_new_privs = true;
  int pdeathsig = 0;
  std::vector<int>
      fds;  // index: fd number in the child; value: parent fd or -1
  const char* path = nullptr;
  std::vector<char*> argv;
  std::vector<char*> envp;

  // Owns every string the child reads. A deque-like list of std::string
  // whose buffers never move once added.
  const char* Keep(const std::string& s);

 private:
  std::vector<std::unique_ptr<std::string>> storage_;
};

// Runs in the child on its own stack; never returns.
int ChildMain(void* plan);

}  // namespace weft
