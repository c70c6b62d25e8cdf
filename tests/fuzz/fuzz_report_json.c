/* libFuzzer harness: JSON report bytes -> the readers of reports:
 * `bpyrace report --merge` (jansson, then every writer) and the viewer's
 * loader (the skimmer, then each race's detail).  Whatever the bytes, this
 * must return without a crash, a sanitizer report, a leak or a hang. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_io.h"
#include "race_report.h"
#include "report.h"
#include "report_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = (char *)fuzz_input_file(data, size, ".json");
    struct report_options o = {.json_path = "-", .sarif_path = "-", .junit_path = "-"};
    fuzz_quiet_begin();
    report_merge(&path, 1, &o);
    fuzz_quiet_end();

    struct vr_report rep;
    char err[512];
    if (report_load(path, &rep, err, sizeof err) == 0) {
        for (size_t i = 0; i < rep.nraces; i++) {
            struct vr_detail d;
            if (report_load_detail(&rep, i, &d, err, sizeof err) == 0)
                report_detail_free(&d);
        }
        report_unload(&rep);
    }
    return 0;
}
