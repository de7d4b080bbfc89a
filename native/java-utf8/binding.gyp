{
  "targets": [
    {
      "target_name": "kseg_java_utf8",
      "sources": ["java-utf8.c"],
      "cflags": ["-O3", "-Wall"]
    }
  ]
}
