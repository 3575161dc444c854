/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "confab-chat.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_CHAT_PAGE (confab_chat_page_get_type ())

G_DECLARE_FINAL_TYPE (ConfabChatPage, confab_chat_page, CONFAB, CHAT_PAGE, GtkWidget)

ConfabChat         *confab_chat_page_get_chat          (ConfabChatPage     *self);
void                confab_chat_page_set_chat          (ConfabChatPage     *self,
                                                        ConfabChat         *chat);
ConfabConversation *confab_chat_page_get_conversation  (ConfabChatPage     *self);
void                confab_chat_page_select            (ConfabChatPage     *self,
                                                        ConfabConversation *conversation);
void                confab_chat_page_retry_message     (ConfabChatPage     *self,
                                                        ConfabMessage      *message);
void                confab_chat_page_focus_composer    (ConfabChatPage     *self);

G_END_DECLS
