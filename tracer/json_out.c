/* JSON printer: see json_out.h. */
#include "json_out.h"

#include <inttypes.h>

/* Length of the valid UTF-8 sequence at S, or 0 if it is not one. */
static int json_utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    int n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    unsigned cp = c & (0x3fu >> (n - 1));
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;   /* also stops at the NUL */
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void jout_string(FILE *f, const char *str)
{
    if (!str) {
        fputs("null", f);
        return;
    }
    const unsigned char *s = (const unsigned char *)str;
    putc_unlocked('"', f);
    while (*s) {
        /* Copy the longest run that needs no escaping in one call: one
         * stdio call per byte made `dump` spend 90% of its time in fwrite. */
        const unsigned char *run = s;
        for (;;) {
            unsigned c = *s;
            if (c == 0 || c == '"' || c == '\\' || c < 0x20)
                break;
            int n = c < 0x80 ? 1 : json_utf8_len(s);
            if (n == 0)
                break;
            s += n;
        }
        if (s > run)
            fwrite_unlocked(run, 1, (size_t)(s - run), f);
        unsigned c = *s;
        if (c == 0)
            break;
        if (c == '"' || c == '\\') {
            putc_unlocked('\\', f);
            putc_unlocked((int)c, f);
        } else if (c < 0x20) {
            switch (c) {
            case '\n': fputs("\\n", f); break;
            case '\r': fputs("\\r", f); break;
            case '\t': fputs("\\t", f); break;
            case '\b': fputs("\\b", f); break;
            case '\f': fputs("\\f", f); break;
            default: fprintf(f, "\\u%04x", c);
            }
        } else {
            fputs("\\ufffd", f);   /* not valid UTF-8 */
        }
        s++;
    }
    putc_unlocked('"', f);
}

void jout_begin(struct jout_obj *o, FILE *f)
{
    o->f = f;
    o->any = false;
    putc('{', f);
}

void jout_end(struct jout_obj *o)
{
    putc('}', o->f);
}

void jout_key(struct jout_obj *o, const char *key)
{
    if (o->any)
        fputs(", ", o->f);
    o->any = true;
    jout_string(o->f, key);
    fputs(": ", o->f);
}

void jout_kv_str(struct jout_obj *o, const char *key, const char *value)
{
    jout_key(o, key);
    jout_string(o->f, value);
}

void jout_kv_u64(struct jout_obj *o, const char *key, uint64_t value)
{
    jout_key(o, key);
    fprintf(o->f, "%" PRIu64, value);
}

void jout_kv_i64(struct jout_obj *o, const char *key, int64_t value)
{
    jout_key(o, key);
    fprintf(o->f, "%" PRId64, value);
}

void jout_kv_bool(struct jout_obj *o, const char *key, bool value)
{
    jout_key(o, key);
    fputs(value ? "true" : "false", o->f);
}

void jout_stack(FILE *f, const struct trace_reader *r, const struct trace_stack *st)
{
    putc('[', f);
    for (uint32_t i = 0; st && i < st->nframes; i++) {
        const struct trace_frame *fr = &st->frames[i];
        struct jout_obj o;
        if (i)
            fputs(", ", f);
        jout_begin(&o, f);
        jout_kv_str(&o, "file", trace_string(r, fr->file));
        jout_kv_str(&o, "function", trace_string(r, fr->function));
        jout_kv_i64(&o, "line", fr->line);
        jout_end(&o);
    }
    putc(']', f);
}

bool jout_stack_is_native(const struct trace_stack *st)
{
    return st && st->nframes > 0 && st->frames[0].native == 1;
}
