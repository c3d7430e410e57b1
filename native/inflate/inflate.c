/*
 * amigate's one native addon: inflating a compressed disk unit (a VMDK grain, a qcow2 cluster)
 * with libdeflate into a buffer the caller owns. libdeflate decompresses a whole buffer in one
 * call, ~1.4x faster than zlib's inflate on these units, and writes nothing past the buffer it is
 * given; the caller's buffer is a slot of its unit cache, so no garbage per unit. Optional: without
 * it amigate inflates with node's zlib (src/io/inflate.ts).
 *
 *   inflateInto(data: Uint8Array, into: Uint8Array, zlibWrapped: boolean): number
 *     bytes written to `into`, or -1 when `data` is not one complete deflate (zlib-wrapped:
 *     RFC 1950; else raw: RFC 1951) stream whose output fits in `into`.
 */
#define NAPI_VERSION 6 /* instance data */
#include <libdeflate.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * One decompressor per Node environment (the main thread, each content thread), kept as the
 * environment's instance data and freed when it is torn down: a server runs scan after scan, each
 * with new threads, and a decompressor per thread kept for the process would add up.
 */
static void free_decompressor(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  libdeflate_free_decompressor((struct libdeflate_decompressor *)data);
}

static struct libdeflate_decompressor *decompressor_of(napi_env env) {
  void *data = NULL;
  if (napi_get_instance_data(env, &data) == napi_ok && data != NULL) return data;
  struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
  if (d == NULL) return NULL;
  if (napi_set_instance_data(env, d, free_decompressor, NULL) != napi_ok) {
    libdeflate_free_decompressor(d);
    return NULL;
  }
  return d;
}

static bool bytes_of(napi_env env, napi_value value, void **data, size_t *length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return false;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, data, &buffer, &offset) != napi_ok) return false;
  return type == napi_uint8_array;
}

static napi_value inflate_into(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3) {
    napi_throw_type_error(env, NULL, "inflateInto(data, into, zlibWrapped)");
    return NULL;
  }
  void *data, *into;
  size_t data_length, into_length;
  bool zlib_wrapped;
  if (!bytes_of(env, argv[0], &data, &data_length) || !bytes_of(env, argv[1], &into, &into_length) ||
      napi_get_value_bool(env, argv[2], &zlib_wrapped) != napi_ok) {
    napi_throw_type_error(env, NULL, "inflateInto(data: Uint8Array, into: Uint8Array, zlibWrapped: boolean)");
    return NULL;
  }
  struct libdeflate_decompressor *decompressor = decompressor_of(env);
  if (decompressor == NULL) {
    napi_throw_error(env, NULL, "libdeflate: out of memory");
    return NULL;
  }
  size_t written = 0;
  enum libdeflate_result result =
      zlib_wrapped ? libdeflate_zlib_decompress(decompressor, data, data_length, into, into_length, &written)
                   : libdeflate_deflate_decompress(decompressor, data, data_length, into, into_length, &written);
  napi_value out;
  napi_create_int64(env, result == LIBDEFLATE_SUCCESS ? (int64_t)written : -1, &out);
  return out;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  napi_create_function(env, "inflateInto", NAPI_AUTO_LENGTH, inflate_into, NULL, &fn);
  napi_set_named_property(env, exports, "inflateInto", fn);
  return exports;
}
