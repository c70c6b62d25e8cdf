/* The viewer's terminal: setup and restore, signals, the key map, the view
 * stack and the main loop.  The terminal is restored on every way out: q,
 * Ctrl-C, SIGTERM/SIGHUP, a crash of the viewer (SIGSEGV, SIGBUS, SIGFPE,
 * SIGILL, SIGABRT: the handler restores it, then dies of the same signal),
 * and exit() (atexit).  Pinned by tests/viewer/quit.sh. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "viewer.h"
#include "view.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "trace_format.h"

const struct tui_keyhelp tui_keyhelp[] = {
#define TUI_REQ(name, keys, help, ...) { keys, help },
#include "keys.def"
#undef TUI_REQ
};
const size_t tui_nkeyhelp = sizeof tui_keyhelp / sizeof tui_keyhelp[0];

struct tui_keymap { int key; enum tui_request req; };

static const struct tui_keymap tui_keymap[] = {
#define TUI_KEY1(req, k) { k, req },
#define TUI_REQ(name, keys, help, ...) TUI_KEYS_(REQ_##name, __VA_ARGS__)
#define TUI_KEYS_(req, ...) TUI_FOR_(req, __VA_ARGS__, -1, -1, -1, -1, -1)
#define TUI_FOR_(req, a, b, c, d, e, ...) \
    { a, req }, { b, req }, { c, req }, { d, req }, { e, req },
#include "keys.def"
#undef TUI_REQ
};

#define TUI_MAX_VIEWS 4
static struct view tui_views[TUI_MAX_VIEWS];
static int tui_nviews;
static struct vr_report *tui_rep;
static char tui_msg[256];
static bool tui_msg_set;
static volatile sig_atomic_t tui_active;

const char *tui_pending_message(void)
{
    return tui_msg_set ? tui_msg : NULL;
}

void tui_message(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tui_msg, sizeof tui_msg, fmt, ap);
    va_end(ap);
    tui_msg_set = true;
}

static enum tui_request tui_key_request(int key)
{
    if (key == KEY_RESIZE)
        return REQ_RESIZE;
    for (size_t i = 0; i < sizeof tui_keymap / sizeof tui_keymap[0]; i++)
        if (tui_keymap[i].key == key && key != -1)
            return tui_keymap[i].req;
    return REQ_NONE;
}

/* Restoring: endwin() puts back the saved tty modes and leaves the
 * alternate screen.  Called from signal handlers too: ncurses documents
 * endwin as the way out of a signal handler (htop does the same). */
static void tui_restore(void)
{
    if (tui_active) {
        tui_active = 0;
        endwin();
    }
}

/* Die of SIG (default action), as the shell expects of a killed program:
 * the handler runs with SIG blocked, so unblock it before raising. */
static void tui_die_of(int sig)
{
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    _exit(128 + sig);
}

static void tui_on_signal(int sig)
{
    tui_restore();
    if (sig != SIGINT && sig != SIGTERM && sig != SIGHUP && sig != SIGQUIT) {
        static const char msg[] = "bpyrace: view: crashed; terminal restored\n";
        ssize_t w = write(2, msg, sizeof msg - 1);
        (void)w;
    }
    tui_die_of(sig);
}

static void tui_install_signals(void)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGFPE,
                                SIGILL, SIGABRT };
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = tui_on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

int tui_push(const struct view_ops *ops, size_t arg)
{
    if (tui_nviews == TUI_MAX_VIEWS)
        return -1;
    struct view *v = &tui_views[tui_nviews];
    memset(v, 0, sizeof *v);
    v->ops = ops;
    v->rep = tui_rep;
    if (ops->open && ops->open(v, arg))
        return -1;
    tui_nviews++;
    return 0;
}

void tui_pop(void)
{
    if (tui_nviews <= 1)
        return;
    struct view *v = &tui_views[--tui_nviews];
    if (v->ops->close)
        v->ops->close(v);
}

static void tui_draw(void)
{
    erase();
    if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES) {
        mvprintw(0, 0, "terminal too small (%dx%d);", COLS, LINES);
        mvprintw(1, 0, "need %dx%d, q quits", TUI_MIN_COLS, TUI_MIN_LINES);
    } else {
        struct view *v = &tui_views[tui_nviews - 1];
        v->ops->draw(v);
    }
    refresh();
}

bool tui_prompt(const char *prompt, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    curs_set(1);
    for (;;) {
        int y = LINES - 1;
        draw_fill(y, C_NORMAL);
        int x = draw_text(y, 0, COLS, C_NORMAL, prompt);
        draw_text(y, x, COLS - x - 1, C_NORMAL, buf);
        refresh();
        wint_t wc;
        int rc = get_wch(&wc);
        if (rc == ERR)
            continue;
        if (rc == KEY_CODE_YES) {
            if (wc == KEY_RESIZE) {
                tui_draw();
                continue;
            }
            if (wc == KEY_ENTER)
                break;
            if (wc == KEY_BACKSPACE) {
                while (n > 0 && (buf[n - 1] & 0xc0) == 0x80)
                    n--;
                if (n > 0)
                    n--;
                buf[n] = 0;
            }
            continue;
        }
        if (wc == '\n' || wc == '\r')
            break;
        if (wc == 27 || wc == 7 /* ^G */) {
            curs_set(0);
            return false;
        }
        if (wc == 127 || wc == '\b') {
            while (n > 0 && (buf[n - 1] & 0xc0) == 0x80)
                n--;
            if (n > 0)
                n--;
            buf[n] = 0;
            continue;
        }
        if (wc == 21 /* ^U */) {
            n = 0;
            buf[0] = 0;
            continue;
        }
        if (wc < ' ')
            continue;
        char mb[MB_LEN_MAX];
        mbstate_t st;
        memset(&st, 0, sizeof st);
        size_t k = wcrtomb(mb, (wchar_t)wc, &st);
        if (k != (size_t)-1 && n + k < len) {
            memcpy(buf + n, mb, k);
            n += k;
            buf[n] = 0;
        }
    }
    curs_set(0);
    return true;
}

/* The loop: draw, read a key, hand it to the top view. */
static void tui_loop(bool bench)
{
    for (;;) {
        tui_draw();
        if (bench)
            return;
        int key = getch();
        if (key == ERR)
            continue;
        tui_msg_set = false;
        enum tui_request req = tui_key_request(key);
        if (req == REQ_QUIT || key == 3 /* Ctrl-C in raw-ish modes */)
            return;
        if (req == REQ_NONE && tui_views[tui_nviews - 1].ops == &help_view_ops)
            req = REQ_BACK;
        if (req == REQ_RESIZE || req == REQ_NONE)
            continue;
        if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES)
            continue;
        struct view *v = &tui_views[tui_nviews - 1];
        if (req == REQ_HELP && v->ops != &help_view_ops) {
            tui_push(&help_view_ops, 0);
            continue;
        }
        if (!v->ops->request(v, req) && req == REQ_BACK)
            tui_pop();
    }
}

static bool viewer_is_trace(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char magic[8];
    bool is = read(fd, magic, sizeof magic) == (ssize_t)sizeof magic &&
              !memcmp(magic, TRACE_MAGIC, sizeof magic);
    close(fd);
    return is;
}

/* view TRACE: analyze into a temporary JSON report, then load that. */
static int viewer_analyze(const char *trace, const char *suppressions, char *json, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(json, len, "%s/bpyrace-view-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(json);
    if (fd < 0) {
        fprintf(stderr, "bpyrace: %s: %s\n", json, strerror(errno));
        return -1;
    }
    close(fd);
    struct report_options ro = { .json_path = json, .suppressions_path = suppressions,
                                 .quiet = true };
    /* A big trace takes seconds: say so, cursor back at the line's start so
     * a warning of the analysis (truncated trace) writes over it, then erase
     * it.  The terminal is ours: view refused before if it is not one. */
    fprintf(stderr, "bpyrace: analyzing %s ...\r", trace);
    fflush(stderr);
    int races = report_trace(trace, &ro);
    fputs("\033[K", stderr);
    if (races < 0) {
        unlink(json);
        return -1;
    }
    return 0;
}

/* The one line of a refusal: why, and where the text report is. */
static int viewer_refuse(const char *why, const char *path, bool is_trace)
{
    if (is_trace)
        fprintf(stderr, "bpyrace: %s; for the text report run 'bpyrace report %s'\n", why, path);
    else
        fprintf(stderr, "bpyrace: %s; for the text report run 'bpyrace report TRACE' on the "
                        "trace %s came from\n", why, path);
    return 2;
}

int viewer_main(const char *path, const char *suppressions)
{
    /* Refuse before any work: the viewer needs a terminal on both ends. */
    size_t plen = strlen(path);
    bool is_trace = viewer_is_trace(path) || (plen > 6 && !strcmp(path + plen - 6, ".trace"));
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return viewer_refuse("view needs a terminal", path, is_trace);
    const char *term = getenv("TERM");
    if (!term || !*term || !strcmp(term, "dumb"))
        return viewer_refuse("view needs a terminal that can move the cursor (TERM is not set "
                             "or dumb)", path, is_trace);
    if (access(path, R_OK)) {
        fprintf(stderr, "bpyrace: %s: %s\n", path, strerror(errno));
        return 2;
    }
    char tmpjson[4096] = "";
    const char *json = path;
    if (is_trace) {
        if (viewer_analyze(path, suppressions, tmpjson, sizeof tmpjson))
            return 2;
        json = tmpjson;
    }
    static struct vr_report rep;
    char err[1024];
    int rc = report_load(json, &rep, err, sizeof err);
    if (*tmpjson)
        unlink(tmpjson);   /* the mapping stays valid */
    if (rc) {
        fprintf(stderr, "bpyrace: %s\n", err);
        return 2;
    }
    rep.path = path;
    tui_rep = &rep;

    setlocale(LC_ALL, "");
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        char why[256];
        snprintf(why, sizeof why, "view: unknown terminal type '%.100s'", term);
        report_unload(&rep);
        viewer_refuse(why, path, is_trace);
        /* A failed newterm() leaks ncurses' pre-screen (libtinfo new_prescr)
         * and nothing else is left to clean up: leave without the exit-time
         * leak check of the ASan build (tests/viewer/view_term.sh). */
        fflush(NULL);
        _exit(2);
    }
    tui_active = 1;
    tui_install_signals();
    atexit(tui_restore);
    const char *nc = getenv("NO_COLOR");
    draw_init_colors(has_colors() && !(nc && *nc));
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);

    tui_nviews = 0;
    tui_push(&list_view_ops, 0);
    tui_loop(getenv("BPYRACE_VIEW_BENCH") != NULL);
    while (tui_nviews > 1)
        tui_pop();
    if (tui_views[0].ops->close)
        tui_views[0].ops->close(&tui_views[0]);
    tui_restore();
    delscreen(scr);
    report_unload(&rep);
    return 0;
}
