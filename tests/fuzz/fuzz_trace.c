/* libFuzzer harness: trace bytes -> reader -> analyzer -> every report
 * writer (text, JSON, SARIF, JUnit, timeline) and the dump.  Whatever the
 * bytes, this must return without a crash, a sanitizer report, a leak or a
 * hang (docs/fuzzing.md). */
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "fuzz_io.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file(data, size, ".trace");
    struct report_options o = {
        .json_path = "-", .sarif_path = "-", .junit_path = "-",
        .timeline_path = "/dev/null", .quiet = false,
    };
    fuzz_quiet_begin();
    report_trace(path, &o);
    cli_dump(path);
    fuzz_quiet_end();
    return 0;
}
