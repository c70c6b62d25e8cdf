/* bpyrace trace file format: the on-disk contract between the shim (writer)
 * and the tracer/analyzer (reader).  Documented in docs/trace-format.md.
 *
 * Layout: a 4096-byte file header, then fixed-size chunks.  Each chunk belongs
 * to one thread and holds 32-byte records in that thread's program order.
 * The file is written through a MAP_SHARED mapping, so everything stored
 * before a SIGKILL/SIGSEGV is in the page cache and readable afterwards.
 * A record's type byte is stored last (release order): a record whose type
 * is 0 was never completed and ends the chunk's data. */
#ifndef BPYRACE_TRACE_FORMAT_H
#define BPYRACE_TRACE_FORMAT_H

#include <stdint.h>

#define TRACE_MAGIC "BPYRACE\0"
#define TRACE_VERSION 5u       /* 5: staging chunks; 4: joined variable paths; 3: 4 KiB chunks; 2: task records; versions 1-2 (64 KiB chunks) are read too */
#define TRACE_VERSION_MIN 1u
#define TRACE_HEADER_SIZE 4096u
/* Small chunks: a short-lived thread that records a dozen events costs 4 KiB
 * of trace, not 64 (thread churn, docs/performance.md); the extra chunk
 * header is 1/128 of a busy thread's trace. */
#define TRACE_CHUNK_SIZE 4096u
#define TRACE_CHUNK_SIZE_V2 (64u * 1024u)   /* versions 1 and 2 */
#define TRACE_CHUNK_MAGIC 0x4b4e4843u /* "CHNK" */
#define TRACE_RECORD_SIZE 32u
#define TRACE_STAGE_CHUNKS 64u   /* version 5: the staging area written by tw_open (docs/trace-format.md) */
#define TRACE_RECORDS_PER_CHUNK ((TRACE_CHUNK_SIZE / TRACE_RECORD_SIZE) - 1u)
#define TRACE_TIME_EVERY 1024u   /* a thread's events between two TR_TIME records */

struct trace_file_header {
    char magic[8];            /* TRACE_MAGIC */
    uint32_t version;         /* TRACE_VERSION */
    uint32_t header_size;     /* TRACE_HEADER_SIZE */
    uint32_t chunk_size;      /* TRACE_CHUNK_SIZE (TRACE_CHUNK_SIZE_V2 before version 3) */
    uint32_t closed;          /* 1 once the process wrote its last record at exit */
    int32_t pid;
    int32_t ppid;
    uint64_t start_ns;        /* CLOCK_REALTIME at start */
    uint64_t chunks;          /* chunks reserved so far (may lag on a crash) */
    uint64_t last_seq;        /* highest sequence number handed out at close */
    uint32_t flags;           /* TRACE_HF_* */
    uint32_t stage_chunks;    /* version 5: chunk positions 0 ... stage_chunks - 1 are
                                 the staging area (docs/trace-format.md); 0 before */
    char python_version[32];  /* e.g. "3.11.2" */
    char exe[256];            /* /proc/self/exe of the traced process */
    char coverage[1024];      /* what could not be instrumented, "\n"-separated */
    uint64_t start_mono_ns;   /* CLOCK_MONOTONIC at start: TR_TIME counts from it */
    uint64_t dropped_seq;     /* TRACE_HF_DROPPED: the writer failed (disk full); events
                                 from about this seq on were dropped */
};

#define TRACE_HF_NATIVE_STACKS 1u
#define TRACE_HF_DROPPED 2u       /* events were dropped: see dropped_seq */
#define TRACE_HF_PYTHON_IN_EXE 4u    /* the GIL API is the executable's own (blender.org builds) */
#define TRACE_HF_ENTRY_PATCHED 8u    /* and was hooked by patching its entry points */

struct trace_chunk_header {   /* exactly one record slot */
    uint32_t magic;           /* TRACE_CHUNK_MAGIC; stored last */
    uint32_t tid;             /* bpyrace thread id (T1 = main) */
    uint64_t index;           /* chunk index in the file */
    uint64_t reserved[2];
};

/* Record types.  Events carry a global sequence number; definitions (DEF_*)
 * carry seq 0 and may be followed by payload slots. */
enum trace_record_type {
    TR_NONE = 0,
    /* accesses */
    TR_READ = 1,          /* a = var id, b = index or -1, stack */
    TR_WRITE = 2,         /* same */
    TR_CALL = 3,          /* coarse write: a = var id of the ID (level id) or 0 (global),
                             b = string id naming the function/operator, aux = TRACE_LEVEL_* */
    /* synchronization */
    TR_ACQUIRE = 4,       /* a = object address, aux = TRACE_SYNC_*, flags TRF_SHARED for read locks */
    TR_RELEASE = 5,       /* same */
    /* threads */
    TR_THREAD_CREATE = 6, /* a = child tid, b = string id of its Python name (0 = none),
                             stack = creation stack */
    TR_THREAD_START = 7,  /* a = origin (TRACE_ORIGIN_*), b = parent tid (0 for main), stack = creation stack of the parent */
    TR_THREAD_JOIN = 8,   /* a = joined tid */
    TR_THREAD_EXIT = 9,
    TR_THREAD_NAME = 10,  /* b = string id of the thread's name, aux = TRACE_NAME_* */
    /* GIL */
    TR_GIL_RELEASE = 11,  /* flags TRF_HOST when Blender's code made the call; a host
                             release opens a native window, whose site is stack (the
                             Python stack of the bpy call that released the GIL) and
                             b = string id of what released it (TRACE_SITE_* names
                             outside any Python call), 0 unknown */
    TR_GIL_ACQUIRE = 12,
    /* tests (bpyrace test) */
    TR_MARK = 13,         /* a = string id of the test id, aux = TRACE_MARK_*, b per kind */
    /* thread-pool jobs (tasks: docs/race-model.md) */
    TR_TASK_SPAWN = 14,   /* on the submitter: a = task id, b = pool id << 32 | string id of the
                             pool's name, stack = where it was submitted; aux TRACE_SPAWN_FAMILY:
                             a family of tasks (a map call's items) that begin from it */
    TR_TASK_BEGIN = 15,   /* on the worker: a = task id, b = its family (0: a was spawned itself);
                             its events are the task's until ... */
    TR_TASK_END = 16,     /* ... on the same worker: a = task id */
    TR_TIME = 18,         /* a = CLOCK_MONOTONIC ns since start_mono_ns: the time at this seq
                             (every TRACE_TIME_EVERY events of a thread, and at each host GIL
                             call); readers interpolate the events between */
    TR_TASK_JOIN = 17,    /* on the waiter, aux TRACE_JOIN_*: b = pool id: every task of the pool
                             ended before (shutdown(wait=True), ThreadPool.join); b = family: its
                             ended tasks (a result handed over), _DONE: and it has no more */
    /* definitions */
    TR_DEF_STRING = 32,   /* a = string id, b = byte length; bytes follow, NUL padded */
    TR_DEF_STACK = 33,    /* a = stack id, b = frame count; frames follow, two per slot */
    TR_DEF_VAR = 34,      /* a = var id, b = path string id, aux = TRACE_VAR_*,
                             stack = owner ID's var id (0 if none); version 4: for a
                             property or ID property, b may carry the string id of its
                             name in its upper half, the lower half then the path of
                             the struct it belongs to (TRACE_VAR_JOINED) */
};

/* A joined TR_DEF_VAR's b: struct path string id BASE, name string id IDENT. */
#define TRACE_VAR_JOINED(base, ident) ((int64_t)(((uint64_t)(ident) << 32) | (uint32_t)(base)))

/* flags */
#define TRF_GIL 1u     /* the thread held the GIL */
#define TRF_HOST 2u    /* GIL call made by Blender's own code: a native window opens/closes */
#define TRF_SHARED 4u  /* rwlock read lock/unlock */
#define TRF_NATIVE 8u  /* b's upper 32 bits hold a native stack id (--native-stacks);
                          b is then the sign-extended lower 32 bits */

enum trace_name_kind {       /* TR_THREAD_NAME's aux */
    TRACE_NAME_PYTHON = 0,    /* threading.current_thread().name: wins */
    TRACE_NAME_OS = 1,        /* the OS thread name (pthread_setname_np, comm) */
};

/* What opened a native window outside any Python call (TR_GIL_RELEASE's b
 * names these strings): Blender's start-up, its event loop, its exit, or a
 * Blender thread's own work. */
#define TRACE_SITE_STARTUP "startup"
#define TRACE_SITE_EVENT_LOOP "event_loop"
#define TRACE_SITE_EXIT "exit"
#define TRACE_SITE_THREAD "blender_thread"

enum trace_spawn_kind {       /* TR_TASK_SPAWN's aux */
    TRACE_SPAWN_TASK = 0,
    TRACE_SPAWN_FAMILY = 1,
};

enum trace_join_kind {        /* TR_TASK_JOIN's aux */
    TRACE_JOIN_POOL = 0,
    TRACE_JOIN_FAMILY = 1,
    TRACE_JOIN_FAMILY_DONE = 2,
};

enum trace_sync_kind {
    TRACE_SYNC_MUTEX = 1,
    TRACE_SYNC_RWLOCK = 2,
    TRACE_SYNC_SEM = 3,
    TRACE_SYNC_COND = 4,
};

enum trace_origin {
    TRACE_ORIGIN_MAIN = 1,
    TRACE_ORIGIN_PYTHON = 2,
    TRACE_ORIGIN_BLENDER = 3,
};

enum trace_level {
    TRACE_LEVEL_ID = 1,
    TRACE_LEVEL_GLOBAL = 2,
};

enum trace_mark_kind {       /* TR_MARK's aux; b: */
    TRACE_MARK_START = 1,     /* CLOCK_REALTIME in microseconds */
    TRACE_MARK_END = 2,       /* same */
    TRACE_MARK_OUTCOME = 3,   /* TRACE_OUTCOME_* */
    TRACE_MARK_MESSAGE = 4,   /* string id of the test's own failure message */
};

enum trace_outcome {
    TRACE_OUTCOME_PASSED = 1,
    TRACE_OUTCOME_FAILED = 2,
    TRACE_OUTCOME_SKIPPED = 3,
    TRACE_OUTCOME_ERROR = 4,
};

enum trace_var_kind {
    TRACE_VAR_PROPERTY = 1,   /* an RNA property of one struct instance */
    TRACE_VAR_IDPROP = 2,     /* a custom (ID) property, by key */
    TRACE_VAR_ID = 3,         /* an ID as a whole (owner of the above) */
    TRACE_VAR_REGISTRY = 4,   /* one of Blender's global registries (bpy.app.timers, bpy.types,
                                 bpy.msgbus): no owner */
};

struct trace_record {
    uint8_t type;     /* enum trace_record_type; stored last */
    uint8_t flags;    /* TRF_* */
    uint16_t aux;
    uint32_t stack;   /* interned stack id, 0 = none */
    uint64_t seq;
    uint64_t a;
    int64_t b;
};

struct trace_frame {  /* payload of TR_DEF_STACK */
    uint32_t file;    /* string id (native frames: module) */
    uint32_t function;/* string id (native frames: symbol or "??") */
    int32_t line;     /* native frames: offset in module */
    uint32_t native;  /* 1 for a native frame */
};

_Static_assert(sizeof(struct trace_record) == TRACE_RECORD_SIZE, "record size");
_Static_assert(sizeof(struct trace_chunk_header) == TRACE_RECORD_SIZE, "chunk header size");
_Static_assert(sizeof(struct trace_file_header) <= TRACE_HEADER_SIZE, "file header size");
_Static_assert(sizeof(struct trace_frame) == 16, "frame size");

#endif
