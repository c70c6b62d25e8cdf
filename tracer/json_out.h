/* A small JSON printer for one-object-per-line output (bpyrace dump) and for
 * the report writers in reports/.  It only formats: callers decide what to
 * print.  Layout follows docs (interface.md): ", " between members, ": "
 * after keys, no newlines inside an object.  The jout_ prefix keeps these
 * apart from jansson's json_* (linked into the same programs): a report once
 * printed empty strings because json_string resolved to jansson's.
 *
 *     struct jout_obj o;
 *     jout_begin(&o, stdout);             // {
 *     jout_kv_u64(&o, "seq", 1042);       //  "seq": 1042
 *     jout_kv_str(&o, "event", "write");  // , "event": "write"
 *     jout_key(&o, "stack");              // , "stack":
 *     jout_stack(stdout, reader, stack);  //  [{"file": ...}]
 *     jout_end(&o);                       // }
 */
#ifndef BPYRACE_JSON_OUT_H
#define BPYRACE_JSON_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "trace_reader.h"

struct jout_obj {
    FILE *f;
    bool any;   /* a member was printed: the next one needs ", " */
};

/* A JSON string literal, quotes included.  Control characters, '"' and '\\'
 * are escaped; bytes that are not valid UTF-8 print as \ufffd, so the output
 * is valid JSON whatever a trace contains.  NULL prints as null. */
void jout_string(FILE *f, const char *s);

void jout_begin(struct jout_obj *o, FILE *f);   /* "{" */
void jout_end(struct jout_obj *o);              /* "}" */
/* Start a member: the separator, the key and ": "; the caller prints the value. */
void jout_key(struct jout_obj *o, const char *key);
void jout_kv_str(struct jout_obj *o, const char *key, const char *value);
void jout_kv_u64(struct jout_obj *o, const char *key, uint64_t value);
void jout_kv_i64(struct jout_obj *o, const char *key, int64_t value);
void jout_kv_bool(struct jout_obj *o, const char *key, bool value);

/* A FRAME array: [{"file": "...", "function": "...", "line": N}, ...].
 * Unknown string ids print as "?".  ST may be NULL (prints []). */
void jout_stack(FILE *f, const struct trace_reader *r, const struct trace_stack *st);
/* True when ST holds native frames (their first frame is marked native):
 * such a stack is printed under "native_stack" rather than "stack". */
bool jout_stack_is_native(const struct trace_stack *st);

#endif
