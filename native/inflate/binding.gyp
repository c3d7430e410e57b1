{
  "targets": [
    {
      "target_name": "amigate_inflate",
      "sources": ["inflate.c"],
      "libraries": ["-ldeflate"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=c11"]
    }
  ]
}
