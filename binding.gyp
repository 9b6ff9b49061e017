{
  "targets": [
    {
      "target_name": "weft",
      "sources": [
        "native/addon.cc",
        "native/channel.cc",
        "native/child-handle.cc",
        "native/credentials.cc",
        "native/digest.cc",
        "native/errors.cc",
        "native/execute.cc",
        "native/fd-watcher.cc",
        "native/listen.cc",
        "native/log-writer.cc",
        "native/notify.cc",
        "native/openat2.cc",
        "native/options.cc",
        "native/process.cc",
        "native/shared-memory.cc",
        "native/spawn-child.cc",
        "native/spawn.cc",
        "native/watchdog.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["OS!='linux'", { "type": "none" }]
      ]
    }
  ]
}
