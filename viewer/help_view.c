/* The keys, from keys.def; any key goes back. */
#include "view.h"

#include <curses.h>

static void help_draw(struct view *v)
{
    (void)v;
    draw_fill(0, C_TITLE);
    draw_text(0, 0, COLS, C_TITLE, "bpyrace view: keys");
    for (size_t i = 0; i < tui_nkeyhelp && (int)i + 2 < LINES - 1; i++) {
        draw_text((int)i + 2, 2, 16, C_HEADER, tui_keyhelp[i].keys);
        draw_text((int)i + 2, 18, COLS - 18, C_NORMAL, tui_keyhelp[i].help);
    }
    draw_status("any key goes back", "q quit ", NULL);
}

static bool help_request(struct view *v, enum tui_request req)
{
    (void)v;
    (void)req;
    tui_pop();
    return true;
}

const struct view_ops help_view_ops = {
    .name = "help",
    .draw = help_draw,
    .request = help_request,
};
