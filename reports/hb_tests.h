/* Per-test attribution for the analyzer (bpyrace test; docs/testing.md).
 * Fed the TR_MARK and TR_THREAD_CREATE events; tells which test an access
 * (thread, seq) belongs to and collects, per race, the tests of every
 * occurrence and the threads leaking from one test into another. */
#ifndef BPYRACE_HB_TESTS_H
#define BPYRACE_HB_TESTS_H

#include <stdint.h>
#include "hb.h"

struct hb_tests;

/* NULL-safe: a trace without marks never creates one. */
struct hb_tests *hb_tests_new(void);
void hb_tests_event(struct hb_tests *t, const struct trace_event *ev);
/* One occurrence of a race between (tida, seqa) and (tidb, seqb): adds
 * their tests and leaks to the race's set *SET (0 = none yet). */
void hb_tests_note(struct hb_tests *t, uint32_t *set, uint32_t tida, uint64_t seqa,
                   uint32_t tidb, uint64_t seqb);
/* Fill the race's attribution fields from set SET. */
void hb_tests_fill(const struct hb_tests *t, uint32_t set, struct hb_race *out);
const struct hb_test *hb_tests_list(const struct hb_tests *t, uint32_t *count);
void hb_tests_free(struct hb_tests *t);

#endif
