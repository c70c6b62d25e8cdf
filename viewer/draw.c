/* Drawing helpers shared by the views: color roles (monochrome without
 * colors or with NO_COLOR), width-aware text, the status line. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "view.h"

#include <ctype.h>
#include <limits.h>
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

static bool draw_color;

const char *tui_pending_message(void);

void draw_init_colors(bool color)
{
    draw_color = color;
    if (!color)
        return;
    start_color();
    use_default_colors();
    init_pair(1, COLOR_WHITE, COLOR_BLUE);     /* title, status */
    init_pair(2, COLOR_RED, -1);               /* data race */
    init_pair(3, COLOR_YELLOW, -1);            /* GIL race */
    init_pair(4, COLOR_CYAN, -1);              /* headers */
    init_pair(5, COLOR_GREEN, -1);             /* marks */
}

int draw_attr(enum tui_color c)
{
    if (!draw_color) {
        switch (c) {
        case C_TITLE: case C_STATUS: case C_SELECTED: return A_REVERSE;
        case C_HEADER: case C_DATA: return A_BOLD;
        case C_DIM: return A_DIM;
        default: return A_NORMAL;
        }
    }
    switch (c) {
    case C_TITLE: case C_STATUS: return COLOR_PAIR(1) | A_BOLD;
    case C_SELECTED: return A_REVERSE;
    case C_HEADER: return COLOR_PAIR(4) | A_BOLD;
    case C_DATA: return COLOR_PAIR(2) | A_BOLD;
    case C_GIL: return COLOR_PAIR(3);
    case C_DIM: return A_DIM;
    case C_MARK: return COLOR_PAIR(5) | A_BOLD;
    default: return A_NORMAL;
    }
}

void draw_fill(int y, enum tui_color c)
{
    attrset(draw_attr(c));
    mvhline(y, 0, ' ', COLS);
    attrset(A_NORMAL);
}

int draw_text(int y, int x, int w, enum tui_color c, const char *s)
{
    if (w <= 0 || !s)
        return 0;
    wchar_t buf[512];
    int n = 0, cols = 0;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    bool cut = false;
    while (*s) {
        wchar_t wc;
        /* (not strlen: that would make a long string's drawing quadratic) */
        size_t k = mbrtowc(&wc, s, strnlen(s, MB_LEN_MAX), &st);
        if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
            wc = L'?';
            k = 1;
            memset(&st, 0, sizeof st);
        }
        int cw = iswprint((wint_t)wc) ? wcwidth(wc) : -1;
        if (cw < 0) {
            wc = L'?';
            cw = 1;
        }
        if (cols + cw > w || n >= (int)(sizeof buf / sizeof buf[0]) - 1) {
            cut = true;
            break;
        }
        buf[n++] = wc;
        cols += cw;
        s += k;
    }
    if (cut) {
        /* make room for the '~' */
        while (n > 0 && cols + 1 > w) {
            int cw = wcwidth(buf[--n]);
            cols -= cw > 0 ? cw : 1;
        }
        buf[n++] = L'~';
        cols++;
    }
    buf[n] = 0;
    attrset(draw_attr(c));
    mvaddnwstr(y, x, buf, n);
    attrset(A_NORMAL);
    return cols;
}

int draw_textf(int y, int x, int w, enum tui_color c, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return draw_text(y, x, w, c, buf);
}

void draw_status(const char *left, const char *right, const char *short_right)
{
    int y = LINES - 1;
    draw_fill(y, C_STATUS);
    const char *msg = tui_pending_message();
    char buf[512];
    if (msg) {
        /* a message replaces the left text but keeps its "[i/n]" position */
        const char *pos = left[0] == '[' ? strstr(left, "] ") : NULL;
        snprintf(buf, sizeof buf, "%.*s%s", pos ? (int)(pos - left + 2) : 0, left, msg);
        left = buf;
    }
    int used = draw_text(y, 0, COLS, C_STATUS, left);
    /* the keys, or the short form, or nothing: never over the left text */
    const char *r = right && used + 2 + (int)strlen(right) <= COLS ? right
                  : short_right && used + 2 + (int)strlen(short_right) <= COLS ? short_right : NULL;
    if (r)
        draw_text(y, COLS - (int)strlen(r), COLS, C_STATUS, r);
}

bool tui_contains(const char *hay, const char *needle)
{
    if (!hay)
        return false;
    size_t n = strlen(needle);
    if (!n)
        return true;
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n))
            return true;
    return false;
}
