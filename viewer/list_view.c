/* The race list: one row per race, data races first (the report's order
 * within a class), filter by class, search, Enter opens the detail. */
#include "view.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hb.h"
#include "xalloc.h"

enum list_filter { FILTER_ALL, FILTER_DATA, FILTER_GIL, FILTER_N };
static const char *const list_filter_name[FILTER_N] = { "all races", "data races only",
                                                        "GIL races only" };

struct list_state {
    size_t *order;      /* all races: data races first, then by_count or the report's order */
    bool by_count;      /* most occurrences first within a class */
    size_t *shown;      /* the filtered ones, indices into rep->races */
    size_t nshown;
    size_t sel, top;    /* in shown */
    enum list_filter filter;
    char search[128];
};

/* qsort has no context argument: the races being sorted. */
static const struct vr_race *list_sort_races;

static int list_cmp_count(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const struct vr_race *x = &list_sort_races[i], *y = &list_sort_races[j];
    if ((x->cls == HB_HARD) != (y->cls == HB_HARD))
        return x->cls == HB_HARD ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return i < j ? -1 : i > j;
}

static void list_reorder(struct view *v)
{
    struct list_state *s = v->priv;
    size_t n = v->rep->nraces, k = 0;
    for (size_t i = 0; i < n; i++)
        if (v->rep->races[i].cls == HB_HARD)
            s->order[k++] = i;
    for (size_t i = 0; i < n; i++)
        if (v->rep->races[i].cls != HB_HARD)
            s->order[k++] = i;
    if (s->by_count) {
        list_sort_races = v->rep->races;
        qsort(s->order, n, sizeof *s->order, list_cmp_count);
    }
}

static void list_refilter(struct view *v)
{
    struct list_state *s = v->priv;
    size_t keep = s->nshown ? s->shown[s->sel] : (size_t)-1;
    s->nshown = 0;
    for (size_t i = 0; i < v->rep->nraces; i++) {
        size_t r = s->order[i];
        uint8_t cls = v->rep->races[r].cls;
        if (s->filter == FILTER_DATA && cls != HB_HARD)
            continue;
        if (s->filter == FILTER_GIL && cls != HB_GIL)
            continue;
        s->shown[s->nshown++] = r;
    }
    s->sel = s->top = 0;
    for (size_t i = 0; i < s->nshown; i++)
        if (s->shown[i] == keep)
            s->sel = i;
}

static int list_open(struct view *v, size_t arg)
{
    (void)arg;
    struct list_state *s = report_xcalloc(1, sizeof *s);
    size_t n = v->rep->nraces;
    s->order = report_xcalloc(n, sizeof *s->order);
    s->shown = report_xcalloc(n, sizeof *s->shown);
    v->priv = s;
    list_reorder(v);
    list_refilter(v);
    return 0;
}

static void list_close(struct view *v)
{
    struct list_state *s = v->priv;
    free(s->order);
    free(s->shown);
    free(s);
}

/* Rows 2 .. LINES-2 hold races. */
static int list_rows(void)
{
    return LINES - 3 > 1 ? LINES - 3 : 1;
}

static void list_side(char *buf, size_t len, const struct vr_side *sd, bool names)
{
    if (names && sd->name)
        snprintf(buf, len, "T%u %s", sd->tid, sd->name);
    else if (names)
        snprintf(buf, len, "T%u (%s)", sd->tid, sd->origin);
    else
        snprintf(buf, len, "T%u", sd->tid);
}

static void list_draw(struct view *v)
{
    struct list_state *s = v->priv;
    const struct vr_report *rep = v->rep;
    int rows = list_rows();
    if (s->sel < s->top)
        s->top = s->sel;
    if (s->sel >= s->top + (size_t)rows)
        s->top = s->sel - (size_t)rows + 1;

    draw_fill(0, C_TITLE);
    int x = draw_textf(0, 0, COLS, C_TITLE, "bpyrace view  %s", rep->path);
    char right[96];
    int n = snprintf(right, sizeof right, "%llu events, %u threads",
                     (unsigned long long)rep->events, rep->threads);
    if (rep->suppressed)
        n += snprintf(right + n, sizeof right - (size_t)n, ", %zu suppressed", rep->suppressed);
    snprintf(right + n, sizeof right - (size_t)n, " ");
    if (x + 2 + (int)strlen(right) <= COLS)
        draw_text(0, COLS - (int)strlen(right), COLS, C_TITLE, right);

    /* Columns: class 5, variable (the rest), count 9, seen 9, threads. */
    bool names = COLS >= 120;
    int wthreads = names ? (COLS - 60 > 64 ? 64 : COLS - 60) : 11;
    int wvar = COLS - 1 - 5 - 1 - 9 - 1 - 9 - 1 - wthreads;
    int xvar = 1 + 5 + 1, xcount = xvar + wvar + 1, xseen = xcount + 9 + 1,
        xthr = xseen + 9 + 1;
    attrset(draw_attr(C_HEADER));
    mvprintw(1, 1, "%-5s", "CLASS");
    mvprintw(1, xvar, "%-*s", wvar, "VARIABLE");
    mvprintw(1, xcount, "%9s", s->by_count ? "COUNT v" : "COUNT");
    mvprintw(1, xseen, "%-9s", "SEEN");
    mvprintw(1, xthr, "%-*s", wthreads, "THREADS");
    attrset(A_NORMAL);

    if (!rep->nraces)
        draw_text(3, 2, COLS - 2, C_NORMAL, "No races in this report.");
    else if (!s->nshown)
        draw_textf(3, 2, COLS - 2, C_NORMAL, "No races match the filter (%s); f changes it.",
                   list_filter_name[s->filter]);
    for (int row = 0; row < rows && s->top + (size_t)row < s->nshown; row++) {
        size_t i = s->top + (size_t)row;
        const struct vr_race *r = &rep->races[s->shown[i]];
        int y = 2 + row;
        bool sel = i == s->sel;
        if (sel)
            draw_fill(y, C_SELECTED);
        enum tui_color base = sel ? C_SELECTED : C_NORMAL;
        draw_text(y, 1, 5, sel ? C_SELECTED : r->cls == HB_HARD ? C_DATA : C_GIL,
                  r->cls == HB_HARD ? "DATA" : r->cls == HB_GIL ? "GIL" : "?");
        char var[1024];
        if (r->items > 1)
            snprintf(var, sizeof var, "%s (+%u items)", r->variable, r->items - 1);
        else
            snprintf(var, sizeof var, "%s", r->variable);
        draw_text(y, xvar, wvar, base, var);
        draw_textf(y, xcount, 9, base, "%9llu", (unsigned long long)r->count);
        draw_text(y, xseen, 9, base, r->observed ? "observed" : "possible");
        char a[160], b[160], both[330];
        list_side(a, sizeof a, &r->acc[0], names);
        list_side(b, sizeof b, &r->acc[1], names);
        snprintf(both, sizeof both, "%s %s %s", a, "/", b);
        draw_text(y, xthr, wthreads, base, both);
    }

    char left[256];
    static const char *const short_filter[FILTER_N] = { "", " data", " GIL" };
    snprintf(left, sizeof left, "[%zu/%zu%s] %zu race%s: %zu data, %zu GIL",
             s->nshown ? s->sel + 1 : 0, s->nshown, short_filter[s->filter], rep->nraces,
             rep->nraces == 1 ? "" : "s", rep->ndata, rep->ngil);
    draw_status(left, "Enter:open /:search f:filter ?:help q:quit ", "?:help q:quit ");
}

static bool list_matches(const struct vr_race *r, const char *q)
{
    char t[2][16];
    snprintf(t[0], sizeof t[0], "T%u", r->acc[0].tid);
    snprintf(t[1], sizeof t[1], "T%u", r->acc[1].tid);
    return tui_contains(r->variable, q) || tui_contains(r->acc[0].name, q) ||
           tui_contains(r->acc[1].name, q) || !strcasecmp(t[0], q) || !strcasecmp(t[1], q);
}

/* Find the next (DIR 1) or previous (-1) match from the selection. */
static void list_search(struct view *v, int dir, bool include_current)
{
    struct list_state *s = v->priv;
    if (!s->search[0]) {
        tui_message("no search yet: / searches");
        return;
    }
    if (!s->nshown) {
        tui_message("not found: %s", s->search);
        return;
    }
    size_t n = s->nshown;
    for (size_t k = include_current ? 0 : 1; k <= n; k++) {
        size_t i = dir > 0 ? (s->sel + k) % n : (s->sel + n * 2 - k) % n;
        if (list_matches(&v->rep->races[s->shown[i]], s->search)) {
            bool wrapped = dir > 0 ? i < s->sel : i > s->sel;
            s->sel = i;
            if (wrapped)
                tui_message("search wrapped: %s", s->search);
            return;
        }
    }
    tui_message("not found: %s", s->search);
}

static bool list_request(struct view *v, enum tui_request req)
{
    struct list_state *s = v->priv;
    size_t page = (size_t)list_rows();
    size_t last = s->nshown ? s->nshown - 1 : 0;
    switch (req) {
    case REQ_UP:
        if (s->sel > 0)
            s->sel--;
        return true;
    case REQ_DOWN:
        if (s->sel < last)
            s->sel++;
        return true;
    case REQ_PAGE_UP:
        s->sel = s->sel > page ? s->sel - page : 0;
        s->top = s->top > page ? s->top - page : 0;
        return true;
    case REQ_PAGE_DOWN:
        s->sel = s->sel + page < last ? s->sel + page : last;
        if (s->top + page + page <= s->nshown)
            s->top += page;
        return true;
    case REQ_FIRST:
        s->sel = 0;
        return true;
    case REQ_LAST:
        s->sel = last;
        return true;
    case REQ_ENTER:
        if (s->nshown)
            tui_push(&detail_view_ops, s->shown[s->sel]);
        return true;
    case REQ_SORT:
        s->by_count = !s->by_count;
        list_reorder(v);
        list_refilter(v);
        tui_message("%s", s->by_count ? "sorted: most accesses involved first"
                                      : "sorted: the report's order (by variable)");
        return true;
    case REQ_FILTER:
        s->filter = (s->filter + 1) % FILTER_N;
        list_refilter(v);
        return true;
    case REQ_SEARCH: {
        char q[sizeof s->search];
        if (tui_prompt("/", q, sizeof q) && q[0]) {
            snprintf(s->search, sizeof s->search, "%s", q);
            list_search(v, 1, true);
        }
        return true;
    }
    case REQ_SEARCH_NEXT:
        list_search(v, 1, false);
        return true;
    case REQ_SEARCH_PREV:
        list_search(v, -1, false);
        return true;
    default:
        return false;
    }
}

const struct view_ops list_view_ops = {
    .name = "list",
    .open = list_open,
    .draw = list_draw,
    .request = list_request,
    .close = list_close,
};
