{
  "targets": [
    {
      "target_name": "vigil_bpf",
      "sources": ["addon/vigil_bpf.c"],
      "include_dirs": ["src/bpf/include"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "libraries": ["-lbpf", "-lelf", "-lz", "-lpthread"]
    }
  ]
}
