/* Race suppressions, in the spirit of TSan's: one TYPE:PATTERN rule a line,
 * '#' starts a comment line.  A race is suppressed when any rule matches it.
 * Patterns are globs with '*' and '?' only, every other character literal,
 * because variable paths are full of '[', ']' and quotes. */
#include "race_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

enum supp_type { SUPP_VARIABLE, SUPP_FUNCTION, SUPP_FILE, SUPP_ORIGIN, SUPP_CLASS };

static const char *const supp_type_names[] = {
    [SUPP_VARIABLE] = "variable", [SUPP_FUNCTION] = "function", [SUPP_FILE] = "file",
    [SUPP_ORIGIN] = "origin", [SUPP_CLASS] = "class",
};

struct supp_rule {
    enum supp_type type;
    char *pattern;
};

struct supp_list {
    struct supp_rule *rules;
    size_t n;
};

static bool supp_glob(const char *p, const char *s)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*p == '*') {
            star = p++;
            resume = s;
        } else if (*p == '?' || *p == *s) {
            p++;
            s++;
        } else if (star) {
            p = star + 1;
            s = ++resume;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return !*p;
}

static char *supp_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = 0;
    return s;
}

struct supp_list *supp_load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bpyrace: %s: cannot open suppressions: %s\n", path, strerror(errno));
        return NULL;
    }
    struct supp_list *l = report_xcalloc(1, sizeof *l);
    char buf[4096];
    unsigned lineno = 0;
    while (fgets(buf, sizeof buf, f)) {
        lineno++;
        char *line = supp_trim(buf);
        if (!*line || *line == '#')
            continue;
        char *colon = strchr(line, ':');
        if (!colon) {
            fprintf(stderr, "bpyrace: %s:%u: expected TYPE:PATTERN\n", path, lineno);
            goto fail;
        }
        *colon = 0;
        char *type = supp_trim(line), *pat = supp_trim(colon + 1);
        size_t t = 0;
        while (t < sizeof supp_type_names / sizeof *supp_type_names &&
               strcmp(type, supp_type_names[t]))
            t++;
        if (t == sizeof supp_type_names / sizeof *supp_type_names) {
            fprintf(stderr, "bpyrace: %s:%u: unknown suppression type '%s'\n", path, lineno, type);
            goto fail;
        }
        if (!*pat) {
            fprintf(stderr, "bpyrace: %s:%u: empty pattern\n", path, lineno);
            goto fail;
        }
        l->rules = report_xrealloc(l->rules, l->n + 1, sizeof *l->rules);
        l->rules[l->n++] = (struct supp_rule){(enum supp_type)t, report_xstrdup(pat)};
    }
    fclose(f);
    return l;
fail:
    fclose(f);
    supp_free(l);
    return NULL;
}

static bool supp_frames(const struct report_frame *fr, size_t n, const char *pat, bool file)
{
    for (size_t i = 0; i < n; i++)
        if (supp_glob(pat, file ? fr[i].file : fr[i].function))
            return true;
    return false;
}

static bool supp_rule_match(const struct supp_rule *r, const struct race_report *race)
{
    if (r->type == SUPP_VARIABLE)
        return supp_glob(r->pattern, race->variable);
    if (r->type == SUPP_CLASS)
        return supp_glob(r->pattern, race->cls == HB_HARD ? "hard" : "gil");
    for (int k = 0; k < 2; k++) {
        const struct report_access *a = &race->acc[k];
        switch (r->type) {
        case SUPP_ORIGIN:
            if (supp_glob(r->pattern, a->thread.origin))
                return true;
            break;
        case SUPP_FUNCTION:
            if (supp_frames(a->stack, a->nstack, r->pattern, false) ||
                supp_frames(a->native_stack, a->nnative, r->pattern, false) ||
                (a->what && supp_glob(r->pattern, a->what)))
                return true;
            break;
        case SUPP_FILE:
            if (supp_frames(a->stack, a->nstack, r->pattern, true) ||
                supp_frames(a->native_stack, a->nnative, r->pattern, true))
                return true;
            break;
        default:
            break;
        }
    }
    return false;
}

bool supp_match(const struct supp_list *s, const struct race_report *race)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (supp_rule_match(&s->rules[i], race))
            return true;
    return false;
}

void supp_apply(const struct supp_list *s, struct report_set *set)
{
    size_t j = 0;
    for (size_t i = 0; i < set->nraces; i++) {
        if (supp_match(s, &set->races[i])) {
            set->suppressed++;
            report_race_free(&set->races[i]);
        } else {
            set->races[j++] = set->races[i];
        }
    }
    set->nraces = j;
}

void supp_free(struct supp_list *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->rules[i].pattern);
    free(s->rules);
    free(s);
}
