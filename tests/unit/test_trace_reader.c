/* Trace reader: definitions, validation errors, corrupt and fuzzed input.
 * Also builds the traces the CLI tests use (the scripts in tests/cli/):
 *   test_trace_reader --build-golden FILE      the trace of tests/golden/dump_basic.jsonl
 *   test_trace_reader --build-truncated FILE   the same, never closed (closed = 0)
 * Exit status 0 pass, 1 fail, 99 harness broken.  Labelled asan: the fuzz
 * loop is meant to run in the -DBPYRACE_SANITIZE=address build. */
#define _GNU_SOURCE
#include "trace_reader.h"
#include "trace_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "proc_status.h"   /* (bench/) */


/* ---- building traces ---- */

static void def_string(struct tw_thread *t, uint32_t id, const char *s)
{
    tw_emit_def(t, TR_DEF_STRING, 0, 0, id, (int64_t)strlen(s), s, strlen(s));
}

/* The trace behind tests/golden/dump_basic.jsonl: every event type, every
 * optional field, strings that need escaping.  Single OS thread, so the
 * seqs are fixed.  KEEP_OPEN leaves it unclosed (a crashed process). */
static void build_golden(const char *path, int keep_open)
{
    if (tw_open(path, 4242, 1, "/usr/bin/blender", 0) != 0) {
        perror(path);
        exit(99);
    }
    struct tw_thread t1 = { .tid = 1 }, t2 = { .tid = 2 };
    def_string(&t1, 1, "/home/u/script.py");
    def_string(&t1, 2, "<module>");
    def_string(&t1, 3, "worker");
    def_string(&t1, 4, "bpy.data.objects[\"Cube\"].location");
    def_string(&t2, 5, "ThreadPoolExecutor-0_1");
    def_string(&t1, 6, "bpy.ops.object.select_all");
    def_string(&t1, 7, "update");
    def_string(&t1, 8, "bpy.data.meshes[\"M\xc3\xa9sh \\ \x01\t\n\xff\"]");
    def_string(&t1, 9, "libblender.so");
    def_string(&t1, 10, "BKE_scene_frame_set");
    struct trace_frame s1[] = { { 1, 2, 10, 0 } };
    struct trace_frame s2[] = { { 1, 3, 20, 0 }, { 1, 2, 30, 0 } };
    struct trace_frame s3[] = { { 9, 10, 0x1234, 1 } };
    tw_emit_def(&t1, TR_DEF_STACK, 0, 0, 1, 1, s1, sizeof s1);
    tw_emit_def(&t1, TR_DEF_STACK, 0, 0, 2, 2, s2, sizeof s2);
    tw_emit_def(&t1, TR_DEF_STACK, 0, 0, 3, 1, s3, sizeof s3);
    tw_emit_def(&t1, TR_DEF_VAR, TRACE_VAR_PROPERTY, 2, 1, 4, NULL, 0);
    tw_emit_def(&t1, TR_DEF_VAR, TRACE_VAR_ID, 0, 2, 8, NULL, 0);

    tw_emit(&t1, TR_THREAD_START, 0, 0, 0, TRACE_ORIGIN_MAIN, 0);
    tw_emit(&t1, TR_WRITE, TRF_GIL, 0, 1, 1, 0);
    tw_emit(&t1, TR_THREAD_CREATE, TRF_GIL, 0, 1, 2, 0);
    tw_emit(&t2, TR_THREAD_START, 0, 0, 1, TRACE_ORIGIN_PYTHON, 1);
    tw_emit(&t2, TR_THREAD_NAME, TRF_GIL, 0, 0, 0, 5);
    tw_emit(&t2, TR_READ, TRF_GIL, 0, 2, 1, -1);
    tw_emit(&t2, TR_ACQUIRE, TRF_GIL, TRACE_SYNC_SEM, 0, 0x55d0c8a0, 0);
    tw_emit(&t2, TR_RELEASE, TRF_GIL, TRACE_SYNC_SEM, 2, 0x55d0c8a0, 0);
    tw_emit(&t1, TR_CALL, TRF_GIL, TRACE_LEVEL_GLOBAL, 1, 0, 6);
    tw_emit(&t1, TR_CALL, TRF_GIL, TRACE_LEVEL_ID, 1, 2, 7);
    tw_emit(&t1, TR_GIL_RELEASE, TRF_HOST, 0, 3, 0, 0);
    tw_emit(&t2, TR_WRITE, 0, 0, 3, 2, 7);
    tw_emit(&t1, TR_GIL_ACQUIRE, TRF_HOST | TRF_GIL, 0, 0, 0, 0);
    tw_emit(&t2, TR_ACQUIRE, TRF_SHARED, TRACE_SYNC_RWLOCK, 0, 0x1000, 0);
    tw_emit(&t2, TR_RELEASE, TRF_SHARED, TRACE_SYNC_RWLOCK, 0, 0x1000, 0);
    tw_emit(&t2, TR_ACQUIRE, 0, TRACE_SYNC_MUTEX, 0, 0xdead, 0);
    tw_emit(&t2, TR_ACQUIRE, 0, TRACE_SYNC_COND, 0, 0xbeef, 0);
    tw_emit(&t2, TR_RELEASE, 0, 9, 0, 0x1, 0);          /* unknown sync kind */
    tw_emit(&t2, TR_GIL_ACQUIRE, TRF_GIL, 0, 0, 0, 0);  /* interpreter switch */
    tw_emit(&t2, TR_THREAD_EXIT, TRF_GIL, 0, 0, 0, 0);
    tw_emit(&t1, TR_THREAD_JOIN, TRF_GIL, 0, 0, 2, 0);
    tw_emit(&t1, TR_READ, 0, 0, 42, 99, -1);            /* undefined var and stack */
    if (keep_open) {
        /* what a SIGKILL leaves: the data, closed still 0 */
        tw_forget_after_fork();
    } else {
        tw_close();
    }
}

/* A trace with several chunks for the corruption tests: thread T writes
 * PER_THREAD reads; threads' chunks interleave. */
#define PER_THREAD 3000
static void build_multi(const char *path)
{
    CHECK(tw_open(path, 1, 0, NULL, 0) == 0);
    struct tw_thread t[3] = { { .tid = 1 }, { .tid = 2 }, { .tid = 3 } };
    def_string(&t[0], 1, "path");
    struct trace_frame fr[] = { { 1, 1, 1, 0 } };
    tw_emit_def(&t[1], TR_DEF_STACK, 0, 0, 1, 1, fr, sizeof fr);
    tw_emit_def(&t[2], TR_DEF_VAR, TRACE_VAR_PROPERTY, 0, 1, 1, NULL, 0);
    for (int i = 0; i < PER_THREAD; i++)
        for (int k = 0; k < 3; k++)
            tw_emit(&t[k], TR_READ, 0, 0, 1, 1, i);
    tw_close();
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    CHECK(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(*len ? *len : 1);
    CHECK(buf && fread(buf, 1, *len, f) == *len);
    fclose(f);
    return buf;
}

static void write_all(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(buf, 1, len, f) == len);
    fclose(f);
}

static struct trace_reader *open_ok(const char *path)
{
    char err[512];
    struct trace_reader *r = trace_open(path, err, sizeof err);
    if (!r) {
        fprintf(stderr, "trace_open: %s\n", err);
        exit(1);
    }
    return r;
}

static void expect_error(const char *path, const char *what)
{
    char err[512], want[600];
    CHECK(trace_open(path, err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s: %s", path, what);
    CHECK_STR(err, want);
}

static uint64_t count_events(struct trace_reader *r)
{
    struct trace_event ev;
    uint64_t n = 0;
    trace_rewind(r);
    while (trace_next(r, &ev))
        n++;
    return n;
}

/* ---- tests ---- */

static void test_definitions(void)
{
    const char *path = tmp_path("golden.trace");
    build_golden(path, 0);
    struct trace_reader *r = open_ok(path);
    CHECK(!trace_truncated(r));
    CHECK(trace_warning(r) == NULL);
    CHECK_EQ(trace_event_count(r), 22);
    CHECK_STR(trace_string(r, 2), "<module>");
    CHECK_STR(trace_string(r, 0), "?");
    CHECK_STR(trace_string(r, 11), "?");
    CHECK_STR(trace_string(r, 0xffffffffu), "?");
    const struct trace_stack *st = trace_get_stack(r, 2);
    CHECK(st && st->nframes == 2);
    CHECK_EQ(st->frames[1].line, 30);
    CHECK(trace_get_stack(r, 0) == NULL && trace_get_stack(r, 42) == NULL);
    const struct trace_var *v = trace_get_var(r, 1);
    CHECK(v && v->id == 1 && v->owner == 2 && v->kind == TRACE_VAR_PROPERTY);
    CHECK_STR(v->path, "bpy.data.objects[\"Cube\"].location");
    CHECK(trace_get_var(r, 99) == NULL);
    CHECK_EQ(trace_var_count(r), 3);
    CHECK_EQ(trace_thread_count(r), 3);
    const struct trace_thread *t = trace_get_thread(r, 2);
    CHECK(t && t->origin == TRACE_ORIGIN_PYTHON && t->parent == 1 && t->created_at == 1);
    CHECK_STR(t->name, "ThreadPoolExecutor-0_1");
    t = trace_get_thread(r, 1);
    CHECK(t && t->origin == TRACE_ORIGIN_MAIN && t->parent == 0 && t->name == NULL);
    CHECK(trace_get_thread(r, 3) == NULL);
    uint64_t last[3] = {0};   /* last_seq: each thread's last event */
    struct trace_event ev;
    while (trace_next(r, &ev))
        if (ev.tid < 3)
            last[ev.tid] = ev.seq;
    trace_rewind(r);
    CHECK(last[1] && trace_get_thread(r, 1)->last_seq == last[1]);
    CHECK(last[2] && trace_get_thread(r, 2)->last_seq == last[2]);
    CHECK_EQ(trace_header(r)->pid, 4242);
    trace_close(r);

    path = tmp_path("open.trace");
    build_golden(path, 1);
    r = open_ok(path);
    CHECK(trace_truncated(r));
    CHECK_EQ(count_events(r), 22);
    trace_close(r);
}

/* Version 4's joined paths: STRUCT.NAME, STRUCT["NAME"]; refused for other
 * kinds and in older traces. */
static void build_joined(const char *path, uint32_t version)
{
    CHECK(tw_open(path, 1, 0, NULL, 0) == 0);
    struct tw_thread t = { .tid = 1 };
    def_string(&t, 1, "bpy.data.objects[\"Cube\"]");
    def_string(&t, 2, "hide_render");
    def_string(&t, 3, "weight");
    tw_emit_def(&t, TR_DEF_VAR, TRACE_VAR_PROPERTY, 0, 1, TRACE_VAR_JOINED(1, 2), NULL, 0);
    tw_emit_def(&t, TR_DEF_VAR, TRACE_VAR_IDPROP, 0, 2, TRACE_VAR_JOINED(1, 3), NULL, 0);
    tw_emit_def(&t, TR_DEF_VAR, TRACE_VAR_ID, 0, 3, TRACE_VAR_JOINED(1, 2), NULL, 0);
    tw_emit_def(&t, TR_DEF_VAR, TRACE_VAR_PROPERTY, 0, 4, TRACE_VAR_JOINED(1, 9), NULL, 0);
    tw_emit(&t, TR_READ, 0, 0, 0, 1, -1);
    tw_close();
    if (version != TRACE_VERSION) {
        size_t len;
        char *buf = read_all(path, &len);
        ((struct trace_file_header *)buf)->version = version;
        write_all(path, buf, len);
        free(buf);
    }
}

static void test_joined_paths(void)
{
    const char *path = tmp_path("joined.trace");
    build_joined(path, TRACE_VERSION);
    struct trace_reader *r = open_ok(path);
    const struct trace_var *v = trace_get_var(r, 1);
    CHECK(v && v->kind == TRACE_VAR_PROPERTY);
    CHECK_STR(v->path, "bpy.data.objects[\"Cube\"].hide_render");
    v = trace_get_var(r, 2);
    CHECK(v && v->kind == TRACE_VAR_IDPROP);
    CHECK_STR(v->path, "bpy.data.objects[\"Cube\"][\"weight\"]");
    CHECK(trace_get_var(r, 3) == NULL);   /* an ID's path is never joined */
    v = trace_get_var(r, 4);
    CHECK(v);
    CHECK_STR(v->path, "bpy.data.objects[\"Cube\"].?");   /* undefined name */
    CHECK_STR(trace_warning(r), "chunk 64: bad variable definition (id 3) ignored");
    trace_close(r);

    build_joined(path, 3);
    r = open_ok(path);
    CHECK(trace_get_var(r, 1) == NULL && trace_get_var(r, 2) == NULL);
    CHECK_STR(trace_warning(r), "chunk 64: bad variable definition (id 1) ignored\n"
                                "chunk 64: bad variable definition (id 2) ignored\n"
                                "chunk 64: bad variable definition (id 3) ignored\n"
                                "chunk 64: bad variable definition (id 4) ignored");
    trace_close(r);
}

static void test_errors(void)
{
    expect_error(tmp_path("missing.trace"), "No such file or directory");
    write_all(tmp_path("empty.trace"), "", 0);
    expect_error(tmp_path("empty.trace"), "empty file");
    write_all(tmp_path("text.trace"), "hello world\n", 12);
    expect_error(tmp_path("text.trace"), "not a bpyrace trace (bad magic)");
    write_all(tmp_path("short.trace"), "BPY", 3);
    expect_error(tmp_path("short.trace"), "not a bpyrace trace (bad magic)");
    expect_error(tmpdir, "is a directory");

    size_t len;
    build_golden(tmp_path("v.trace"), 0);
    char *buf = read_all(tmp_path("v.trace"), &len);
    write_all(tmp_path("hdr.trace"), buf, 100);
    expect_error(tmp_path("hdr.trace"), "not a bpyrace trace (truncated header)");
    struct trace_file_header *h = (void *)buf;
    h->version = 7;
    write_all(tmp_path("v7.trace"), buf, len);
    expect_error(tmp_path("v7.trace"), "unsupported trace version 7");
    h->version = TRACE_VERSION;
    h->chunk_size = 65536;   /* versions 1-2's chunks, in a version 3 file */
    write_all(tmp_path("layout.trace"), buf, len);
    expect_error(tmp_path("layout.trace"),
                 "unsupported trace layout (header 4096 bytes, chunks 65536 bytes)");
    /* the header's chunk count is not trusted */
    h->chunk_size = TRACE_CHUNK_SIZE;
    h->chunks = 1000000;
    write_all(tmp_path("chunks.trace"), buf, len);
    struct trace_reader *r = open_ok(tmp_path("chunks.trace"));
    CHECK_EQ(count_events(r), 22);
    trace_close(r);
    /* only the header: a valid, empty trace */
    h->chunks = 0;
    write_all(tmp_path("nochunks.trace"), buf, TRACE_HEADER_SIZE);
    r = open_ok(tmp_path("nochunks.trace"));
    CHECK_EQ(count_events(r), 0);
    trace_close(r);
    free(buf);
}

/* The writer's first chunk: after the header and the staging area (which
 * stays empty without the helper thread that copies out of it). */
#define FIRST_CHUNK (TRACE_HEADER_SIZE + 64 * TRACE_CHUNK_SIZE)

static void test_corrupt_chunks(void)
{
    const char *path = tmp_path("multi.trace");
    build_multi(path);
    size_t len;
    char *orig = read_all(path, &len);
    /* 3 threads * (3000 + 1 or 2 definition slots): 24 chunks of 127 records each */
    CHECK_EQ(TRACE_RECORDS_PER_CHUNK, 127);
    CHECK_EQ(len, FIRST_CHUNK + 72 * TRACE_CHUNK_SIZE);
    struct trace_reader *r = open_ok(path);
    CHECK_EQ(count_events(r), 3 * PER_THREAD);
    trace_close(r);

    /* garbage magic: the chunk is skipped with a warning, the rest stays */
    char *buf = malloc(len);
    memcpy(buf, orig, len);
    struct trace_chunk_header *ch = (void *)(buf + FIRST_CHUNK + 4 * TRACE_CHUNK_SIZE);
    uint32_t lost_tid = ch->tid;
    ch->magic = 0xdeadbeef;
    write_all(tmp_path("garbage.trace"), buf, len);
    r = open_ok(tmp_path("garbage.trace"));
    CHECK_STR(trace_warning(r), "chunk 68: bad magic, skipped");
    struct trace_event ev;
    uint64_t n = 0, lost = 0;
    while (trace_next(r, &ev)) {
        n++;
        CHECK(ev.tid >= 1 && ev.tid <= 3);
    }
    lost = 3 * PER_THREAD - n;
    CHECK_EQ(lost, TRACE_RECORDS_PER_CHUNK);   /* chunk 68 is a full chunk of reads */
    CHECK(lost_tid >= 1 && lost_tid <= 3);
    trace_close(r);

    /* a record with type 0 ends its chunk's data, silently (a crash) */
    memcpy(buf, orig, len);
    struct trace_record *rec = (void *)(buf + FIRST_CHUNK + TRACE_RECORD_SIZE * 101);
    rec->type = TR_NONE;
    write_all(tmp_path("hole.trace"), buf, len);
    r = open_ok(tmp_path("hole.trace"));
    CHECK(trace_warning(r) == NULL);
    CHECK_EQ(count_events(r), 3 * PER_THREAD - (TRACE_RECORDS_PER_CHUNK - 100));
    trace_close(r);

    /* unknown record type, seq going backwards, oversize definition */
    memcpy(buf, orig, len);
    rec = (void *)(buf + FIRST_CHUNK + TRACE_RECORD_SIZE * 101);
    rec->type = 200;
    rec = (void *)(buf + FIRST_CHUNK + TRACE_CHUNK_SIZE + TRACE_RECORD_SIZE * 11);
    rec->seq = 1;
    rec = (void *)(buf + FIRST_CHUNK + TRACE_RECORD_SIZE * 1);
    CHECK_EQ(rec->type, TR_DEF_STRING);
    rec->b = 1000000;
    write_all(tmp_path("bad.trace"), buf, len);
    r = open_ok(tmp_path("bad.trace"));
    CHECK_STR(trace_warning(r),
              "chunk 64: definition overruns the chunk at slot 1; rest of chunk skipped\n"
              "chunk 65: sequence number goes backwards at slot 11; rest of chunk skipped");
    trace_close(r);

    /* the file cut in the middle of a chunk: whole records are still read */
    write_all(tmp_path("cut.trace"), orig, len - TRACE_CHUNK_SIZE + 1000 - 7);
    r = open_ok(tmp_path("cut.trace"));
    CHECK_STR(trace_warning(r), "file size is not a whole number of chunks; the last chunk is partial");
    CHECK(count_events(r) < 3 * PER_THREAD);
    trace_close(r);
    free(buf);
    free(orig);
}

/* ---- version 5's staging area, as a crash leaves it ---- */

/* At position P of BUF: a chunk of thread TID with index INDEX holding reads
 * with seqs FIRST ... FIRST + N - 1. */
static void put_chunk(char *buf, uint64_t p, uint32_t tid, uint64_t index, uint64_t first, int n)
{
    char *c = buf + TRACE_HEADER_SIZE + p * TRACE_CHUNK_SIZE;
    memset(c, 0, TRACE_CHUNK_SIZE);
    struct trace_chunk_header *h = (void *)c;
    h->magic = TRACE_CHUNK_MAGIC;
    h->tid = tid;
    h->index = index;
    struct trace_record *rec = (void *)(h + 1);
    for (int i = 0; i < n; i++)
        rec[i] = (struct trace_record){ .type = TR_READ, .seq = first + (uint64_t)i, .a = 1 };
}

/* The events' (tid, seq) of PATH as text "tid:seq ...", in seq order. */
static const char *events_of(const char *path)
{
    static char out[1024];
    size_t n = 0;
    out[0] = 0;
    struct trace_reader *r = open_ok(path);
    struct trace_event ev;
    while (trace_next(r, &ev) && n < sizeof out - 32)
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%u:%llu", n ? " " : "", ev.tid,
                              (unsigned long long)ev.seq);
    trace_close(r);
    return out;
}

static void test_staging(void)
{
    /* 2 staging positions, then chunks 2 ... 5 */
    size_t len = TRACE_HEADER_SIZE + 6 * TRACE_CHUNK_SIZE;
    char *buf = calloc(1, len);
    struct trace_file_header *h = (void *)buf;
    memcpy(h->magic, TRACE_MAGIC, sizeof h->magic);
    h->version = 5;
    h->header_size = TRACE_HEADER_SIZE;
    h->chunk_size = TRACE_CHUNK_SIZE;
    h->stage_chunks = 2;
    put_chunk(buf, 2, 1, 2, 1, 2);    /* T1: 1 2, copied */
    put_chunk(buf, 0, 1, 3, 5, 3);    /* T1: 5 6 7, in the staging area only */
    put_chunk(buf, 1, 2, 4, 3, 2);    /* T2: 3 4, staged, ... */
    put_chunk(buf, 4, 2, 4, 3, 2);    /* ... and copied whole: read once */
    put_chunk(buf, 5, 2, 5, 8, 1);    /* T2: 8 */
    write_all(tmp_path("staged.trace"), buf, len);
    /* T1's staged chunk 3 is read between its chunk 2 and nothing else; a
     * thread's chunks are read in index order, not file order */
    CHECK_STR(events_of(tmp_path("staged.trace")), "1:1 1:2 2:3 2:4 1:5 1:6 1:7 2:8");

    /* a copy cut short (its magic stored, a record missing): the staging
     * chunk has more, and is read instead */
    put_chunk(buf, 3, 1, 3, 5, 1);
    write_all(tmp_path("staged2.trace"), buf, len);
    CHECK_STR(events_of(tmp_path("staged2.trace")), "1:1 1:2 2:3 2:4 1:5 1:6 1:7 2:8");
    /* a whole copy: read there, once */
    put_chunk(buf, 3, 1, 3, 5, 3);
    write_all(tmp_path("staged3.trace"), buf, len);
    CHECK_STR(events_of(tmp_path("staged3.trace")), "1:1 1:2 2:3 2:4 1:5 1:6 1:7 2:8");
    struct trace_reader *r = open_ok(tmp_path("staged3.trace"));
    CHECK_EQ(trace_event_count(r), 8);
    CHECK(trace_warning(r) == NULL);
    trace_close(r);

    /* a staged chunk past the file's end (its segment never mapped) comes last */
    put_chunk(buf, 0, 1, 9, 20, 1);
    write_all(tmp_path("staged4.trace"), buf, len);
    CHECK_STR(events_of(tmp_path("staged4.trace")), "1:1 1:2 2:3 2:4 1:5 1:6 1:7 2:8 1:20");

    /* damage in the staging area: warned about, skipped */
    put_chunk(buf, 0, 1, 1, 20, 1);   /* an index inside the staging area */
    ((struct trace_chunk_header *)(buf + TRACE_HEADER_SIZE + TRACE_CHUNK_SIZE))->magic = 0xdeadbeef;
    write_all(tmp_path("staged5.trace"), buf, len);
    r = open_ok(tmp_path("staged5.trace"));
    CHECK_STR(trace_warning(r), "chunk 0: bad index in the staging area, skipped\n"
                                "chunk 1: bad magic in the staging area, skipped");
    trace_close(r);
    CHECK_STR(events_of(tmp_path("staged5.trace")), "1:1 1:2 2:3 2:4 1:5 1:6 1:7 2:8");

    /* before version 5 the field was reserved: positions 0 and 1 are chunks */
    h->version = 4;
    put_chunk(buf, 0, 3, 0, 30, 1);
    put_chunk(buf, 1, 3, 1, 31, 1);
    write_all(tmp_path("v4.trace"), buf, len);
    CHECK_STR(events_of(tmp_path("v4.trace")), "1:1 1:2 2:3 2:4 1:5 1:6 1:7 2:8 3:30 3:31");
    free(buf);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;   /* fixed seed: reproducible */

static uint64_t rng(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

/* Touch everything a consumer would: must not crash or read out of bounds. */
static void walk(struct trace_reader *r)
{
    struct trace_event ev;
    volatile size_t sink = 0;
    trace_header(r);
    trace_truncated(r);
    if (trace_warning(r))
        sink += strlen(trace_warning(r));
    for (int pass = 0; pass < 2; pass++) {
        trace_rewind(r);
        while (trace_next(r, &ev)) {
            const struct trace_stack *st = trace_get_stack(r, ev.stack);
            for (uint32_t i = 0; st && i < st->nframes; i++)
                sink += strlen(trace_string(r, st->frames[i].file)) +
                        strlen(trace_string(r, st->frames[i].function));
            const struct trace_var *v = trace_get_var(r, (uint32_t)ev.a);
            if (v)
                sink += strlen(v->path) + v->owner;
            sink += strlen(trace_string(r, (uint32_t)ev.b));
            const struct trace_thread *t = trace_get_thread(r, ev.tid);
            if (t && t->name)
                sink += strlen(t->name);
        }
    }
    for (uint32_t i = 0; i < trace_thread_count(r); i++)
        trace_get_thread(r, i);
    for (uint32_t i = 0; i < trace_var_count(r); i++)
        trace_get_var(r, i);
    (void)sink;
}

static void test_fuzz(void)
{
    build_golden(tmp_path("g.trace"), 0);
    build_multi(tmp_path("m.trace"));
    size_t glen, mlen;
    char *g = read_all(tmp_path("g.trace"), &glen);
    char *m = read_all(tmp_path("m.trace"), &mlen);
    char *buf = malloc(mlen > glen ? mlen : glen);
    const char *path = tmp_path("fuzz.trace");
    int opened = 0;
    for (int iter = 0; iter < 1500; iter++) {
        const char *src = iter % 3 ? g : m;
        size_t len = iter % 3 ? glen : mlen;
        memcpy(buf, src, len);
        int nmut = 1 + (int)(rng() % 24);
        for (int k = 0; k < nmut; k++) {
            /* mostly the records of the first chunk, where definitions are */
            size_t span = rng() % 4 ? TRACE_CHUNK_SIZE : len;
            size_t off = (rng() % 8 == 0 ? 0 : TRACE_HEADER_SIZE) + rng() % span;
            if (off + 8 > len)
                continue;
            switch (rng() % 4) {
            case 0: buf[off] = (char)rng(); break;
            case 1: { uint64_t v = rng(); memcpy(buf + off, &v, 8); break; }
            case 2: { uint32_t v = (uint32_t)(rng() % 64); memcpy(buf + off, &v, 4); break; }
            case 3: { int64_t v = -(int64_t)(rng() % 4); memcpy(buf + off, &v, 8); break; }
            }
        }
        if (rng() % 10 == 0)
            len = rng() % len;
        write_all(path, buf, len);
        char err[512];
        struct trace_reader *r = trace_open(path, err, sizeof err);
        if (r) {
            opened++;
            walk(r);
            trace_close(r);
        } else {
            CHECK(strncmp(err, path, strlen(path)) == 0);
        }
    }
    CHECK(opened > 1000);   /* the mutations did exercise the reader */
    free(buf);
    free(g);
    free(m);
}

/* The reader gives back the pages it has read, in both passes, however the
 * threads' chunks interleave: a 64 MiB trace of 16 threads never holds
 * more than a few MiB mapped (TR_RELEASE_BYTES, 8 MiB, plus the chunks the
 * threads are in).  A pass that started at the first chunk not read kept
 * every chunk done since the last pass below it: 571 MiB of a 1.5 GiB trace. */
static void test_release(void)
{
    const char *path = tmp_path("release.trace");
    enum { THREADS = 16, PER = 131072 };
    CHECK(tw_open(path, 1, 0, NULL, 0) == 0);
    static struct tw_thread t[THREADS];
    for (int k = 0; k < THREADS; k++)
        t[k] = (struct tw_thread){ .tid = (uint32_t)k + 1 };
    def_string(&t[0], 1, "path");
    tw_emit_def(&t[0], TR_DEF_VAR, TRACE_VAR_PROPERTY, 0, 1, 1, NULL, 0);
    for (int i = 0; i < PER; i++)
        for (int k = 0; k < THREADS; k++)
            tw_emit(&t[k], TR_READ, 0, 0, 0, 1, i);
    tw_close();
    long before = bench_status_kb("RssFile");
    CHECK(before >= 0);
    struct trace_reader *r = open_ok(path);
    long opened = bench_status_kb("RssFile");
    struct trace_event ev;
    uint64_t n = 0, peak = 0;
    while (trace_next(r, &ev))
        if (++n % 65536 == 0) {
            long now = bench_status_kb("RssFile");
            if ((uint64_t)(now - before) > peak)
                peak = (uint64_t)(now - before);
        }
    long after = bench_status_kb("RssFile");
    CHECK(n == (uint64_t)THREADS * PER);
    CHECK(opened - before < 16 * 1024);
    CHECK(peak < 24 * 1024);
    CHECK(after - before < 24 * 1024);
    trace_close(r);
    unlink(path);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--build-golden")) {
        build_golden(argv[2], 0);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "--build-truncated")) {
        build_golden(argv[2], 1);
        return 0;
    }
    if (!tmpdir_make("bpyrace-tr"))
        return 99;
    test_definitions();
    test_joined_paths();
    test_errors();
    test_corrupt_chunks();
    test_staging();
    test_release();
    test_fuzz();
    if (!tmpdir_remove())
        return 99;
    puts("test_trace_reader: all passed");
    return 0;
}
