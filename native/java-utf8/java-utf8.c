// kseg's optional native engine for Java's UTF-8 text of keys and values (format/utf8.ts
// javaUtf8Into: decode with the JDK's replacements, encode). The rules are not here: JS builds the
// transducer's tables from them (utf8.ts javaStep) and hands them over once (init); this runs the
// same tables over a byte range, faster than JS can on binary values, where most bytes are not
// ASCII (4 MiB of random bytes: 917 against 373 MB/s; half text, half random: 1732 against 604;
// 32 bytes: 100 against 224 ns a call). Built by native/build.mjs where a C compiler and node-gyp
// are; src/format/utf8.ts falls back to its own loop where it is not.
//
// Why it is faster than the same tables in JS: that loop's next state is a table read of the last
// one, a chain of dependent reads the CPU cannot overlap (~7 cycles a byte). Here the state before
// a byte is read from the classes of the four bytes before it (STATE_OF_CONTEXT): Java's decoder
// settles within four bytes whatever came before (a lead byte always starts afresh and a sequence
// is at most four bytes long; init checks it for every context), so each byte's state is its own
// read and the bytes overlap.
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#define STATES 12
// Unfinished bytes written in each state (utf8.ts PENDING): replaced by one U+FFFD at the end.
static const uint8_t PENDING[STATES] = {0, 1, 1, 1, 1, 2, 2, 1, 1, 1, 2, 3};
#define REPLACEMENT 0xbdbfefu

// From utf8.ts's tables, indexed by state * 256 + byte: the bytes to write (up to six: U+FFFD
// twice) as a little-endian word, and the step: next state (bits 8-11), bytes taken back (4-5),
// bytes written (0-2).
static uint64_t out_of[STATES * 256];
static uint16_t step_of[STATES * 256];
// The bytes' classes (bytes that move every state to the same next state share one), and the state
// (times 256) before a byte from the classes of the four bytes before it, 4 bits each, oldest high.
static uint8_t class_of[256];
static uint16_t state_of_context[1 << 16];
static int ready = 0;

static inline uint64_t load64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void store64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline void store32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void store16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

// Returns NULL or what is wrong with the tables.
static const char *build(const int32_t *out, const uint16_t *step) {
  for (int e = 0; e < STATES * 256; e++) {
    if ((step[e] >> 8) >= STATES) return "a next state out of range";
    uint64_t w = (uint32_t)out[e];
    // A six-byte step: U+FFFD twice, the second's last two bytes (BF BD) past the word.
    if ((step[e] & 7) > 4) w |= (uint64_t)0xbdbf << 32;
    out_of[e] = w;
    step_of[e] = step[e];
  }
  int rep[16], classes = 0;
  for (int b = 0; b < 256; b++) {
    int c = 0;
    for (; c < classes; c++) {
      int same = 1;
      for (int s = 0; s < STATES && same; s++) same = (step[s * 256 + b] >> 8) == (step[s * 256 + rep[c]] >> 8);
      if (same) break;
    }
    if (c == classes) {
      if (classes == 16) return "more than 16 classes of bytes";
      rep[classes++] = b;
    }
    class_of[b] = (uint8_t)c;
  }
  // Byte 00 (ASCII: the state after it is the start) must be class 0, so that a context of 0 is
  // "at the start" (where a value begins).
  if (class_of[0] != 0 || (step[0] >> 8) != 0) return "byte 00 does not lead to the start";
  for (int ctx = 0; ctx < (1 << 16); ctx++) {
    int result = -1;
    for (int s0 = 0; s0 < STATES; s0++) {
      int s = s0;
      for (int k = 3; k >= 0 && s >= 0; k--) {
        int c = (ctx >> (4 * k)) & 15;
        s = c < classes ? step[s * 256 + rep[c]] >> 8 : -1;
      }
      if (s < 0) break; // no such context
      if (result < 0) result = s;
      else if (result != s) return "the decoder does not settle within four bytes";
    }
    state_of_context[ctx] = (uint16_t)((result < 0 ? 0 : result) << 8);
  }
  return NULL;
}

#define STEP(b)                                                  \
  do {                                                           \
    unsigned e = state_of_context[ctx & 0xffff] | (b);           \
    unsigned m = step_of[e];                                     \
    o -= (m >> 4) & 3;                                           \
    store64(dst + o, out_of[e]);                                 \
    o += m & 7;                                                  \
    ctx = (ctx << 4) | class_of[(b)];                            \
  } while (0)

// src[0, n) into dst from 0; dst has room for 3n + 1 bytes. Returns the bytes written.
static size_t transcode(const uint8_t *src, size_t n, uint8_t *dst) {
  size_t o = 0, i = 0;
  uint32_t ctx = 0;
  // Eight-byte stores while they stay inside 3n + 1 (before byte i, o <= 3i; o + 8 <= 3n + 1 for
  // i <= n - 3): eight bytes a round, eight ASCII bytes at the start copied as one word.
  for (; n >= 10 && i <= n - 10; i += 8) {
    uint64_t w = load64(src + i);
    if ((w & 0x8080808080808080ull) == 0 && state_of_context[ctx & 0xffff] == 0) {
      store64(dst + o, w);
      o += 8;
      ctx = 0;
      continue;
    }
    for (int k = 0; k < 64; k += 8) STEP((unsigned)(w >> k) & 0xff);
  }
  for (; i + 2 < n; i++) STEP(src[i]);
  // The last two bytes: four-byte stores (and BF BD after a six-byte step), as utf8.ts writes.
  for (; i < n; i++) {
    unsigned b = src[i];
    unsigned e = state_of_context[ctx & 0xffff] | b;
    unsigned m = step_of[e];
    o -= (m >> 4) & 3;
    store32(dst + o, (uint32_t)out_of[e]);
    if ((m & 7) > 4) store16(dst + o + 4, 0xbdbf);
    o += m & 7;
    ctx = (ctx << 4) | class_of[b];
  }
  // A sequence cut by the end: one U+FFFD for what there is of it.
  unsigned pending = PENDING[state_of_context[ctx & 0xffff] >> 8];
  if (pending) {
    o -= pending;
    store32(dst + o, REPLACEMENT);
    o += 3;
  }
  return o;
}

static int typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *length) {
  bool is = false;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  if (napi_get_typedarray_info(env, v, &type, length, data, NULL, NULL) != napi_ok) return 0;
  return type == want;
}

// init(OUT: Int32Array(12 * 256), STEP: Uint16Array(12 * 256)): the tables of utf8.ts.
static napi_value js_init(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  void *out, *step;
  size_t out_n, step_n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 2 || !typed(env, argv[0], napi_int32_array, &out, &out_n) || !typed(env, argv[1], napi_uint16_array, &step, &step_n) ||
      out_n != STATES * 256 || step_n != STATES * 256) {
    napi_throw_type_error(env, NULL, "init(OUT: Int32Array(3072), STEP: Uint16Array(3072))");
    return NULL;
  }
  const char *wrong = build((const int32_t *)out, (const uint16_t *)step);
  if (wrong) {
    napi_throw_error(env, NULL, wrong);
    return NULL;
  }
  ready = 1;
  return NULL;
}

// transcode(src: Uint8Array, start, end, out: Uint8Array, at) -> end of the text in out.
static napi_value js_transcode(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  void *src, *dst;
  size_t src_n, dst_n;
  uint32_t start, end, at;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (!ready) {
    napi_throw_error(env, NULL, "init first");
    return NULL;
  }
  if (argc < 5 || !typed(env, argv[0], napi_uint8_array, &src, &src_n) || napi_get_value_uint32(env, argv[1], &start) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &end) != napi_ok || !typed(env, argv[3], napi_uint8_array, &dst, &dst_n) ||
      napi_get_value_uint32(env, argv[4], &at) != napi_ok) {
    napi_throw_type_error(env, NULL, "transcode(src: Uint8Array, start, end, out: Uint8Array, at)");
    return NULL;
  }
  size_t n = end >= start ? end - start : 0;
  if (end > src_n || start > end || at > dst_n || dst_n - at < 3 * n + 1) {
    napi_throw_range_error(env, NULL, "transcode: a range outside its array, or out has less than 3n + 1 bytes of room");
    return NULL;
  }
  size_t written = transcode((const uint8_t *)src + start, n, (uint8_t *)dst + at);
  napi_value result;
  if (napi_create_double(env, (double)(at + written), &result) != napi_ok) return NULL;
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"init", NULL, js_init, NULL, NULL, NULL, napi_default, NULL},
      {"transcode", NULL, js_transcode, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
