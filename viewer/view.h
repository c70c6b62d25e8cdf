/* The viewer's views (tig's struct view_ops shape): one file per view,
 * list_view.c, detail_view.c, help_view.c.  tui.c owns the terminal and the
 * view stack and calls the ops of the view on top. */
#ifndef BPYRACE_VIEWER_VIEW_H
#define BPYRACE_VIEWER_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "report_load.h"

enum tui_request {
    REQ_NONE = 0,
#define TUI_REQ(name, keys, help, ...) REQ_##name,
#include "keys.def"
#undef TUI_REQ
    REQ_RESIZE,
};

struct view;

struct view_ops {
    const char *name;
    /* Called once when the view is pushed; ARG is the view's argument
     * (detail: the race index).  Returns 0, or -1 with a message already
     * given to tui_message (the view is then not shown). */
    int (*open)(struct view *v, size_t arg);
    /* Draw the whole screen (rows 0 .. LINES-1, the status line included)
     * into stdscr; tui.c refreshes.  Must cope with any LINES x COLS the
     * terminal has, down to TUI_MIN_COLS x TUI_MIN_LINES. */
    void (*draw)(struct view *v);
    /* Handle REQ (never REQ_QUIT, REQ_HELP or REQ_RESIZE: tui.c does those).
     * Returns true when the request was used. */
    bool (*request)(struct view *v, enum tui_request req);
    /* Free what open() allocated. */
    void (*close)(struct view *v);
};

struct view {
    const struct view_ops *ops;
    struct vr_report *rep;
    void *priv;                 /* the view's own state */
};

#define TUI_MIN_COLS 40
#define TUI_MIN_LINES 10

extern const struct view_ops list_view_ops, detail_view_ops, help_view_ops;

/* tui.c, for the views. */
/* Push a view (the detail of race ARG, ...); returns 0 or -1. */
int tui_push(const struct view_ops *ops, size_t arg);
/* Pop the top view (never the list). */
void tui_pop(void);
/* A one-line message shown on the status line until the next key. */
void tui_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Ask for a line of text on the status line; false when cancelled. */
bool tui_prompt(const char *prompt, char *buf, size_t len);

/* Drawing helpers (draw.c). */
enum tui_color { C_NORMAL, C_TITLE, C_STATUS, C_HEADER, C_SELECTED, C_DATA, C_GIL,
                 C_DIM, C_MARK };
void draw_init_colors(bool color);
/* Attributes of a color role (reverse/bold only without colors). */
int draw_attr(enum tui_color c);
/* Fill row Y with spaces in role C. */
void draw_fill(int y, enum tui_color c);
/* Write S at (Y, X) in role C, at most W columns; a string longer than W
 * ends in '~'.  Returns the columns written. */
int draw_text(int y, int x, int w, enum tui_color c, const char *s);
int draw_textf(int y, int x, int w, enum tui_color c, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The status line: LEFT at the left (the pending tui_message instead, if
 * any, after LEFT's leading "[i/n] "), RIGHT right-aligned when it fits, else SHORT_RIGHT, else nothing. */
void draw_status(const char *left, const char *right, const char *short_right);
/* The keys as the help screen lists them: the table of keys.def. */
struct tui_keyhelp { const char *keys, *help; };
extern const struct tui_keyhelp tui_keyhelp[];
extern const size_t tui_nkeyhelp;
/* Case-insensitive substring test. */
bool tui_contains(const char *hay, const char *needle);

#endif
