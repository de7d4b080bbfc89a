{
  "targets": [
    {
      "target_name": "kseg_crc",
      "sources": ["crc.c"],
      "libraries": ["-lisal"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
