{
  "targets": [
    {
      "target_name": "vigil_bpf",
      "sources": ["addon/vigil_bpf.c", "addon/object.c", "addon/ring.c", "addon/frames.c", "addon/poll.c", "addon/maps.c"],
      "include_dirs": ["src/bpf/include"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2", "-fvisibility=hidden"],
      "libraries": ["-lbpf", "-lelf", "-lz", "-lpthread"]
    }
  ]
}
