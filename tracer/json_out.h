/* A small JSON printer for one-object-per-line output (bpyrace dump) and for
 * the report writers in reports/.  It only formats: callers decide what to
 * print.  Layout follows docs (interface.md): ", " between members, ": "
 * after keys, no newlines inside an object.
 *
 *     struct json_obj o;
 *     json_begin(&o, stdout);             // {
 *     json_kv_u64(&o, "seq", 1042);       //  "seq": 1042
 *     json_kv_str(&o, "event", "write");  // , "event": "write"
 *     json_key(&o, "stack");              // , "stack":
 *     json_stack(stdout, reader, stack);  //  [{"file": ...}]
 *     json_end(&o);                       // }
 */
#ifndef BPYRACE_JSON_OUT_H
#define BPYRACE_JSON_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "trace_reader.h"

struct json_obj {
    FILE *f;
    bool any;   /* a member was printed: the next one needs ", " */
};

/* A JSON string literal, quotes included.  Control characters, '"' and '\\'
 * are escaped; bytes that are not valid UTF-8 print as \ufffd, so the output
 * is valid JSON whatever a trace contains.  NULL prints as null. */
void json_string(FILE *f, const char *s);

void json_begin(struct json_obj *o, FILE *f);   /* "{" */
void json_end(struct json_obj *o);              /* "}" */
/* Start a member: the separator, the key and ": "; the caller prints the value. */
void json_key(struct json_obj *o, const char *key);
void json_kv_str(struct json_obj *o, const char *key, const char *value);
void json_kv_u64(struct json_obj *o, const char *key, uint64_t value);
void json_kv_i64(struct json_obj *o, const char *key, int64_t value);
void json_kv_bool(struct json_obj *o, const char *key, bool value);

/* A FRAME array: [{"file": "...", "function": "...", "line": N}, ...].
 * Unknown string ids print as "?".  ST may be NULL (prints []). */
void json_stack(FILE *f, const struct trace_reader *r, const struct trace_stack *st);
/* True when ST holds native frames (their first frame is marked native):
 * such a stack is printed under "native_stack" rather than "stack". */
bool json_stack_is_native(const struct trace_stack *st);

#endif
