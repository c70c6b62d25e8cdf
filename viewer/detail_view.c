/* One race: both accesses (side by side from DETAIL_WIDE_COLS columns,
 * stacked below), each with kind, thread, GIL, Python and native stacks and
 * where its thread was created; the source lines of the selected frame;
 * the advice.  Up/Down select frames, Tab jumps to the other access. */
#include "view.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hb.h"
#include "xalloc.h"

#define DETAIL_WIDE_COLS 120
#define DETAIL_MAX_SOURCE (16u << 20)   /* larger files are not shown */

struct dline {
    char *text;
    enum tui_color color;
    int frame;          /* index in frames, -1 for plain text */
};

struct dframe {
    const struct report_frame *f;   /* NULL: the access's heading (selectable, so
                                       Tab reaches a side without frames) */
    bool native;
    int acc, line;      /* which access, which of its lines */
};

/* The last source file read, split into lines. */
struct dsource {
    char *path;
    char *data;         /* NULL: not readable */
    char **lines;
    size_t nlines;
};

struct detail_state {
    size_t race;
    struct vr_detail d;
    struct dline *lines[2];
    int nlines[2];
    struct dframe *frames;
    int nframes, sel, top;
    struct dsource src;
};

static void add_line(struct detail_state *s, int acc, enum tui_color c, int frame,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add_line(struct detail_state *s, int acc, enum tui_color c, int frame,
                     const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    s->lines[acc] = report_xrealloc(s->lines[acc], (size_t)s->nlines[acc] + 1, sizeof(struct dline));
    s->lines[acc][s->nlines[acc]++] = (struct dline){ report_xstrdup(buf), c, frame };
}

static void add_frames(struct detail_state *s, int acc, const struct report_frame *f, size_t n,
                       bool native)
{
    for (size_t i = 0; i < n; i++) {
        s->frames = report_xrealloc(s->frames, (size_t)s->nframes + 1, sizeof *s->frames);
        s->frames[s->nframes] = (struct dframe){ &f[i], native, acc, s->nlines[acc] };
        if (native)
            add_line(s, acc, C_NORMAL, s->nframes, "    #%zu %s (%s+0x%x)", i, f[i].function,
                     f[i].file, (unsigned)f[i].line);
        else
            add_line(s, acc, C_NORMAL, s->nframes, "    #%zu %s %s:%d", i, f[i].function,
                     f[i].file, f[i].line);
        s->nframes++;
    }
}

static void build_access(struct detail_state *s, int k)
{
    const struct report_access *a = &s->d.r.acc[k];
    const char *prev = k == 0 ? "Previous " : "";
    char head[512];
    switch (a->side) {
    case HB_SIDE_WINDOW: {
        char site[300];
        snprintf(head, sizeof head, "%snative window (%s)", prev, report_window_site(a->what, site, sizeof site));
        break;
    }
    case HB_SIDE_CALL_ID:
        snprintf(head, sizeof head, "%sRNA call %s() (ID-level write)", prev,
                 a->what ? a->what : "?");
        break;
    case HB_SIDE_CALL_GLOBAL:
        snprintf(head, sizeof head, "%soperator call %s (global write)", prev,
                 a->what ? a->what : "?");
        break;
    default:
        snprintf(head, sizeof head, "%s%s", prev, a->kind);
        break;
    }
    if (head[0] >= 'a' && head[0] <= 'z')
        head[0] = (char)(head[0] - 'a' + 'A');
    s->frames = report_xrealloc(s->frames, (size_t)s->nframes + 1, sizeof *s->frames);
    s->frames[s->nframes] = (struct dframe){ NULL, false, k, s->nlines[k] };
    add_line(s, k, C_HEADER, s->nframes++, "%s", head);
    const struct report_thread *t = &a->thread;
    char name[300] = "";
    if (t->name)
        snprintf(name, sizeof name, " \"%s\"", t->name);
    add_line(s, k, C_NORMAL, -1, "  thread T%u (%s%s), %s", t->id, t->origin, name,
             a->gil ? "GIL held" : "GIL not held");
    if (a->index >= 0)
        add_line(s, k, C_NORMAL, -1, "  index %lld", (long long)a->index);
    add_line(s, k, C_DIM, -1, "  Python stack:");
    if (a->nstack)
        add_frames(s, k, a->stack, a->nstack, false);
    else
        add_line(s, k, C_NORMAL, -1, "    <no Python stack>");
    if (a->nnative) {
        add_line(s, k, C_DIM, -1, "  native stack:");
        add_frames(s, k, a->native_stack, a->nnative, true);
    } else
        add_line(s, k, C_DIM, -1, "  native stack: not recorded");
    if (t->task.pool) {   /* a pool job, run by that thread */
        if (t->task.index)
            add_line(s, k, C_NORMAL, -1, "  task %u of %s, submitted by T%u at:", t->task.index, t->task.pool,
                     t->task.submitter);
        else
            add_line(s, k, C_NORMAL, -1, "  a task of %s, submitted at:", t->task.pool);
        if (t->task.nsubmitted_at)
            add_frames(s, k, t->task.submitted_at, t->task.nsubmitted_at, false);
        else
            add_line(s, k, C_NORMAL, -1, "    <no Python stack>");
    }
    if (!strcmp(t->origin, "main"))
        add_line(s, k, C_DIM, -1, "  T%u is the main thread", t->id);
    else if (t->ncreated_at) {
        add_line(s, k, C_DIM, -1, "  T%u created at:", t->id);
        add_frames(s, k, t->created_at, t->ncreated_at, false);
    } else
        add_line(s, k, C_DIM, -1, "  T%u: creation not seen", t->id);
}

static void source_free(struct dsource *src)
{
    free(src->path);
    free(src->data);
    free(src->lines);
    memset(src, 0, sizeof *src);
}

static void source_load(struct dsource *src, const char *path)
{
    if (src->path && !strcmp(src->path, path))
        return;
    source_free(src);
    src->path = report_xstrdup(path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    size_t cap = 0, n = 0;
    char buf[65536];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0) {
        if (n + k > DETAIL_MAX_SOURCE) {
            fclose(f);
            free(src->data);
            src->data = NULL;
            return;
        }
        if (n + k + 1 > cap) {
            cap = (n + k + 1) * 2;
            src->data = report_xrealloc(src->data, cap, 1);
        }
        memcpy(src->data + n, buf, k);
        n += k;
    }
    fclose(f);
    if (!src->data)
        src->data = report_xcalloc(1, 1);
    src->data[n] = 0;
    size_t lcap = 0;
    for (char *p = src->data; *p || p == src->data;) {
        if (src->nlines == lcap) {
            lcap = lcap ? lcap * 2 : 256;
            src->lines = report_xrealloc(src->lines, lcap, sizeof *src->lines);
        }
        src->lines[src->nlines++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = 0;
        if (nl > p && nl[-1] == '\r')
            nl[-1] = 0;
        p = nl + 1;
        if (!*p)
            break;
    }
}

static int detail_open(struct view *v, size_t race)
{
    char err[512];
    struct detail_state *s = report_xcalloc(1, sizeof *s);
    s->race = race;
    if (report_load_detail(v->rep, race, &s->d, err, sizeof err)) {
        tui_message("%s", err);
        free(s);
        return -1;
    }
    build_access(s, 0);
    build_access(s, 1);
    /* start on the first real frame (the earlier side's top frame) */
    for (int i = 0; i < s->nframes; i++)
        if (s->frames[i].f) {
            s->sel = i;
            break;
        }
    v->priv = s;
    return 0;
}

static void detail_close(struct view *v)
{
    struct detail_state *s = v->priv;
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < s->nlines[k]; i++)
            free(s->lines[k][i].text);
        free(s->lines[k]);
    }
    free(s->frames);
    source_free(&s->src);
    report_detail_free(&s->d);
    free(s);
}

/* Word-wrap TEXT into at most MAX rows of WIDTH columns (continuation rows
 * indented by INDENT); the last row is cut with '~' if it still does not
 * fit.  Byte counts, so ASCII advice only.  Returns the rows used. */
#define DETAIL_ADVICE_ROWS 3
static int detail_wrap(const char *text, int width, int indent, int max, const char **start,
                       int *len)
{
    int rows = 0;
    const char *p = text;
    while (*p && rows < max) {
        int room = width - (rows ? indent : 0);
        int n = (int)strlen(p);
        if (n > room && rows < max - 1) {
            int cut = room;
            while (cut > room / 2 && p[cut] != ' ')
                cut--;
            if (p[cut] != ' ')
                cut = room;
            n = cut;
        }
        start[rows] = p;
        len[rows++] = n;
        p += n;
        while (*p == ' ')
            p++;
    }
    return rows ? rows : 1;
}

struct detail_layout {
    bool wide;
    int doc_y, doc_h;       /* the accesses */
    int src_y, src_h;       /* source header row, then src_h lines */
    int adv_y, adv_h;
};

static struct detail_layout detail_layout(const struct detail_state *s)
{
    struct detail_layout L;
    L.wide = COLS >= DETAIL_WIDE_COLS;
    L.src_h = LINES >= 30 ? ((LINES - 8) / 3 > 11 ? 11 : (LINES - 8) / 3) : 5;
    char adv[1024];
    const char *st[DETAIL_ADVICE_ROWS];
    int ln[DETAIL_ADVICE_ROWS];
    snprintf(adv, sizeof adv, "Advice: %s", s->d.r.advice);
    L.adv_h = detail_wrap(adv, COLS, 8, DETAIL_ADVICE_ROWS, st, ln);
    L.doc_y = 2;
    L.doc_h = LINES - 2 - (1 + L.src_h) - L.adv_h - 1;
    if (L.doc_h < 1) {
        L.src_h += L.doc_h - 1;
        L.doc_h = 1;
    }
    L.src_y = L.doc_y + L.doc_h;
    L.adv_y = L.src_y + 1 + L.src_h;
    return L;
}

/* The document row of frame F. */
static int detail_frame_row(const struct detail_state *s, const struct detail_layout *L, int f)
{
    const struct dframe *fr = &s->frames[f];
    if (L->wide || fr->acc == 0)
        return fr->line;
    return s->nlines[0] + 1 + fr->line;
}

static void detail_draw_line(int y, int x, int w, const struct detail_state *s,
                             const struct dline *l)
{
    bool sel = l->frame >= 0 && l->frame == s->sel;
    if (sel && !s->frames[l->frame].f) {
        attrset(draw_attr(C_SELECTED));
        mvhline(y, x, ' ', w);
        attrset(A_NORMAL);
        draw_text(y, x, w, C_SELECTED, l->text);
    } else if (sel) {
        attrset(draw_attr(C_SELECTED));
        mvhline(y, x, ' ', w);
        attrset(A_NORMAL);
        char buf[2100];
        snprintf(buf, sizeof buf, "  >%s", l->text + 3);
        draw_text(y, x, w, C_SELECTED, buf);
    } else
        draw_text(y, x, w, l->color, l->text);
}

static void detail_draw_source(struct detail_state *s, const struct detail_layout *L)
{
    const struct dframe *fr = s->nframes ? &s->frames[s->sel] : NULL;
    int y = L->src_y;
    if (fr && !fr->f) {
        /* a heading: the source of its side's top Python frame */
        const struct report_access *a = &s->d.r.acc[fr->acc];
        static struct dframe top;
        top = (struct dframe){ a->nstack ? &a->stack[0] : NULL, false, fr->acc, 0 };
        fr = top.f ? &top : NULL;
    }
    if (!fr) {
        draw_text(y, 0, COLS, C_DIM, "-- no Python stack on this side --");
        return;
    }
    if (fr->native) {
        draw_textf(y, 0, COLS, C_DIM, "-- native frame: no source (%s+0x%x) --", fr->f->file,
                   (unsigned)fr->f->line);
        return;
    }
    source_load(&s->src, fr->f->file);
    if (!s->src.data || fr->f->line <= 0 || (size_t)fr->f->line > s->src.nlines) {
        draw_textf(y, 0, COLS, C_DIM, "-- %s:%d: source not readable --", fr->f->file,
                   fr->f->line);
        return;
    }
    draw_textf(y, 0, COLS, C_HEADER, "-- %s:%d --", fr->f->file, fr->f->line);
    long first = fr->f->line - L->src_h / 2;
    if (first < 1)
        first = 1;
    for (int i = 0; i < L->src_h; i++) {
        long ln = first + i;
        if (ln > (long)s->src.nlines)
            break;
        /* tabs to spaces, so columns line up */
        char buf[1024];
        size_t o = 0;
        for (const char *p = s->src.lines[ln - 1]; *p && o < sizeof buf - 9; p++) {
            if (*p == '\t')
                do buf[o++] = ' '; while (o % 8);
            else
                buf[o++] = *p;
        }
        buf[o] = 0;
        bool cur = ln == fr->f->line;
        draw_textf(y + 1 + i, 0, COLS, cur ? C_MARK : C_NORMAL, "%c%5ld  %s", cur ? '>' : ' ',
                   ln, buf);
    }
}

static void detail_draw(struct view *v)
{
    struct detail_state *s = v->priv;
    const struct race_report *r = &s->d.r;
    struct detail_layout L = detail_layout(s);

    draw_fill(0, C_TITLE);
    int x = draw_textf(0, 0, COLS, C_TITLE, "%s  %s", r->cls == HB_HARD ? "DATA RACE" : "GIL race",
                       r->variable);
    char pos[64];
    snprintf(pos, sizeof pos, "race %zu of %zu ", s->race + 1, v->rep->nraces);
    if (x + 2 + (int)strlen(pos) <= COLS)
        draw_text(0, COLS - (int)strlen(pos), COLS, C_TITLE, pos);
    char items[64] = "";
    if (r->nitems > 1)
        snprintf(items, sizeof items, ", %u items of this collection", r->nitems);
    draw_textf(1, 0, COLS, C_NORMAL, "%llu access%s involved (%s)%s", (unsigned long long)r->count,
               r->count == 1 ? "" : "es",
               r->observed ? "observed interleaving in this run" : "possible: not interleaved in this run",
               items);

    /* keep the selected frame in view */
    if (s->nframes) {
        int row = detail_frame_row(s, &L, s->sel);
        if (!s->frames[s->sel].f) {
            /* a heading: show its whole side when it fits */
            int end = row + s->nlines[s->frames[s->sel].acc] - 1;
            if (end >= s->top + L.doc_h)
                s->top = end - L.doc_h + 1;
        }
        if (row < s->top)
            s->top = row;
        if (row >= s->top + L.doc_h)
            s->top = row - L.doc_h + 1;
    }
    if (L.wide) {
        int w = (COLS - 1) / 2;
        for (int i = 0; i < L.doc_h; i++) {
            int li = s->top + i;
            if (li < s->nlines[0])
                detail_draw_line(L.doc_y + i, 0, w, s, &s->lines[0][li]);
            attrset(draw_attr(C_DIM));
            mvaddch(L.doc_y + i, w, '|');
            attrset(A_NORMAL);
            if (li < s->nlines[1])
                detail_draw_line(L.doc_y + i, w + 2, COLS - w - 2, s, &s->lines[1][li]);
        }
    } else {
        for (int i = 0; i < L.doc_h; i++) {
            int li = s->top + i;
            if (li < s->nlines[0])
                detail_draw_line(L.doc_y + i, 0, COLS, s, &s->lines[0][li]);
            else if (li > s->nlines[0] && li - s->nlines[0] - 1 < s->nlines[1])
                detail_draw_line(L.doc_y + i, 0, COLS, s, &s->lines[1][li - s->nlines[0] - 1]);
        }
    }
    detail_draw_source(s, &L);

    /* the advice, word-wrapped */
    char adv[1024];
    const char *st[DETAIL_ADVICE_ROWS];
    int ln[DETAIL_ADVICE_ROWS];
    snprintf(adv, sizeof adv, "Advice: %s", r->advice);
    int rows = detail_wrap(adv, COLS, 8, DETAIL_ADVICE_ROWS, st, ln);
    for (int i = 0; i < rows; i++)
        draw_textf(L.adv_y + i, 0, COLS, C_MARK, "%*s%.*s", i ? 8 : 0, "", ln[i], st[i]);
    char left[64];
    int nreal = 0, cur = 0;
    for (int i = 0; i < s->nframes; i++)
        if (s->frames[i].f) {
            nreal++;
            if (i == s->sel)
                cur = nreal;
        }
    if (cur)
        snprintf(left, sizeof left, "frame %d/%d", cur, nreal);
    else
        snprintf(left, sizeof left, "%s access", s->frames[s->sel].acc ? "later" : "earlier");
    draw_status(left, "j/k:frame Tab:other access Esc:back ?:help q:quit ",
                "Esc:back ?:help q:quit ");
}

static bool detail_request(struct view *v, enum tui_request req)
{
    struct detail_state *s = v->priv;
    int last = s->nframes ? s->nframes - 1 : 0;
    struct detail_layout L = detail_layout(s);
    int page = L.doc_h / 2 > 1 ? L.doc_h / 2 : 1;
    switch (req) {
    case REQ_UP:
        if (s->sel > 0)
            s->sel--;
        else if (s->top > 0)
            s->top--;
        return true;
    case REQ_DOWN:
        if (s->sel < last)
            s->sel++;
        else
            s->top++;   /* clamped below */
        break;
    case REQ_PAGE_UP:
        s->sel = s->sel > page ? s->sel - page : 0;
        return true;
    case REQ_PAGE_DOWN:
        s->sel = s->sel + page < last ? s->sel + page : last;
        return true;
    case REQ_FIRST:
        s->sel = 0;
        s->top = 0;
        return true;
    case REQ_LAST:
        s->sel = last;
        break;
    case REQ_OTHER_SIDE: {
        if (!s->nframes)
            return true;
        int other = !s->frames[s->sel].acc, head = -1;
        for (int i = 0; i < s->nframes; i++)
            if (s->frames[i].acc == other) {
                if (head < 0)
                    head = i;
                if (s->frames[i].f) {
                    head = i;
                    break;
                }
            }
        if (head >= 0)
            s->sel = head;
        return true;
    }
    case REQ_ENTER:
        return true;
    case REQ_BACK:
        tui_pop();
        return true;
    default:
        return false;
    }
    /* do not scroll past the end of the document */
    int total = L.wide ? (s->nlines[0] > s->nlines[1] ? s->nlines[0] : s->nlines[1])
                       : s->nlines[0] + 1 + s->nlines[1];
    int maxtop = total > L.doc_h ? total - L.doc_h : 0;
    if (s->top > maxtop)
        s->top = maxtop;
    return true;
}

const struct view_ops detail_view_ops = {
    .name = "detail",
    .open = detail_open,
    .draw = detail_draw,
    .request = detail_request,
    .close = detail_close,
};
