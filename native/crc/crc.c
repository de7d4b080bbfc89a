// kseg's optional native CRCs: Node-API bindings of Intel ISA-L's CRC-32C (crc32_iscsi) and CRC-32
// (crc32_gzip_refl), which pick their kernel for the CPU at run time (PCLMULQDQ/AVX-512 folding:
// 36 GiB/s for CRC-32C on this project's 2-core EPYC, against 6.5 GiB/s for @node-rs/crc32's). Built
// by native/build.mjs where ISA-L's headers are installed (Debian: libisal-dev); src/codec/crc.ts
// falls back to @node-rs/crc32 where it is not. No CRC is computed here: ISA-L computes them.
#include <isa-l/crc.h>
#include <node_api.h>
#include <stdint.h>

// A CRC is continued across calls as zlib's crc32(prev, ...) does: `prev` is the finished CRC of
// the bytes before (0 for none), so crc(a + b) = f(b, f(a, 0)).
typedef uint32_t (*crc_fn)(uint32_t prev, const uint8_t *data, size_t len);

// ISA-L takes an int length: larger inputs go in pieces of 1 GiB.
#define PIECE ((size_t)1 << 30)

static uint32_t crc32c_continue(uint32_t prev, const uint8_t *data, size_t len) {
  // crc32_iscsi keeps the register un-inverted: in and out through ~.
  uint32_t reg = ~prev;
  for (size_t off = 0; off < len; off += PIECE) {
    size_t n = len - off < PIECE ? len - off : PIECE;
    reg = crc32_iscsi((unsigned char *)(data + off), (int)n, reg);
  }
  return ~reg;
}

static uint32_t crc32_continue(uint32_t prev, const uint8_t *data, size_t len) {
  // crc32_gzip_refl inverts in and out itself, as zlib's crc32.
  uint32_t crc = prev;
  for (size_t off = 0; off < len; off += PIECE) {
    size_t n = len - off < PIECE ? len - off : PIECE;
    crc = crc32_gzip_refl(crc, data + off, (uint64_t)n);
  }
  return crc;
}

// fn(view: Uint8Array, prev: number) -> number (unsigned)
static napi_value call(napi_env env, napi_callback_info info, crc_fn fn) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  bool is_typed = false;
  if (argc < 1 || napi_is_typedarray(env, argv[0], &is_typed) != napi_ok || !is_typed) {
    napi_throw_type_error(env, NULL, "expected a Uint8Array");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok) return NULL;
  if (type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "expected a Uint8Array");
    return NULL;
  }
  uint32_t prev = 0;
  if (argc >= 2 && napi_get_value_uint32(env, argv[1], &prev) != napi_ok) prev = 0;
  napi_value result;
  if (napi_create_uint32(env, fn(prev, (const uint8_t *)data, length), &result) != napi_ok) return NULL;
  return result;
}

static napi_value js_crc32c(napi_env env, napi_callback_info info) { return call(env, info, crc32c_continue); }
static napi_value js_crc32(napi_env env, napi_callback_info info) { return call(env, info, crc32_continue); }

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"crc32c", NULL, js_crc32c, NULL, NULL, NULL, napi_default, NULL},
      {"crc32", NULL, js_crc32, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
