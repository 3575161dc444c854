/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "confab-application.h"
#include "confab-chat.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_WINDOW (confab_window_get_type ())

G_DECLARE_FINAL_TYPE (ConfabWindow, confab_window, CONFAB, WINDOW, AdwApplicationWindow)

ConfabWindow *confab_window_new             (ConfabApplication *application);
ConfabChat   *confab_window_get_chat        (ConfabWindow      *self);
GtkWidget    *confab_window_get_chat_page   (ConfabWindow      *self);
void          confab_window_host            (ConfabWindow      *self,
                                             const char        *display_name,
                                             gboolean           allow_lan);
void          confab_window_host_demo       (ConfabWindow      *self);
void          confab_window_join            (ConfabWindow      *self,
                                             const char        *invite_link,
                                             const char        *display_name);
void          confab_window_join_with_token (ConfabWindow      *self,
                                             const char        *server_url,
                                             const char        *session_id,
                                             const char        *token);
void          confab_window_show_toast      (ConfabWindow      *self,
                                             const char        *message);

G_END_DECLS
