/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "confab-conversation.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_SIDEBAR_ROW (confab_sidebar_row_get_type ())

G_DECLARE_FINAL_TYPE (ConfabSidebarRow, confab_sidebar_row, CONFAB, SIDEBAR_ROW, GtkWidget)

ConfabConversation *confab_sidebar_row_get_conversation (ConfabSidebarRow   *self);
void                confab_sidebar_row_set_conversation (ConfabSidebarRow   *self,
                                                         ConfabConversation *conversation);

G_END_DECLS
