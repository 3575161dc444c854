/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "confab-message.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_MESSAGE_ROW (confab_message_row_get_type ())

G_DECLARE_FINAL_TYPE (ConfabMessageRow, confab_message_row, CONFAB, MESSAGE_ROW, GtkWidget)

ConfabMessage *confab_message_row_get_message (ConfabMessageRow *self);
void           confab_message_row_set_message (ConfabMessageRow *self,
                                               ConfabMessage    *message);

G_END_DECLS
